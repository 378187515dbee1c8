import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO, Command } from './command.js';
import { EXIT_OK, EXIT_USAGE } from './command.js';
import { canaryCommand } from './commands/canary.js';
import { costCommand } from './commands/cost.js';
import { monitorCommand } from './commands/monitor.js';
import { muteCommand, unmuteCommand } from './commands/mute.js';
import { pageCommand } from './commands/page.js';
import { testCommand } from './commands/test.js';
import { verifyCommand } from './commands/verify.js';
import { watchCommand } from './commands/watch.js';

export const COMMANDS: readonly Command[] = [testCommand, verifyCommand, canaryCommand, watchCommand, monitorCommand, costCommand, pageCommand, muteCommand, unmuteCommand];

/** The package version, found by walking up from this file (it runs from lib/ in tests and dist/lib/ when built). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'probe-fleet' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: probe-fleet <command> [options]',
    '',
    'Synthetic checks for critical paths, run locally, in CI or as a Lambda fleet.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `probe-fleet <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`probe-fleet: unknown command '${name}'; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return EXIT_OK;
  }
  return command.run(rest, io);
}
