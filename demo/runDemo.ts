// `npm run demo`: start the demo service on free ports, point the demo fleet at it and run
// `probe-fleet test` exactly as a user would. Extra arguments go to the CLI
// (`npm run demo -- --reporter junit`). A first argument naming another command runs that
// one instead (`npm run demo:monitor` = `runDemo.js monitor`). Exits with the CLI's exit code.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../lib/cli/main.js';
import { DEFAULT_DEMO_PASSWORD, startDemoService } from './server.js';

/** The config is TypeScript source that the CLI compiles, so from dist/demo/ look back in demo/. */
export function demoConfigPath(from: string = dirname(fileURLToPath(import.meta.url))): string {
  const candidates = [join(from, 'probes.config.ts'), resolve(from, '..', '..', 'demo', 'probes.config.ts')];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error(`demo config not found: expected one of ${candidates.join(', ')}, received no such file`);
  return found;
}

/** Commands that make sense against the demo service; `test` when none is named. */
const DEMO_COMMANDS = ['test', 'verify', 'monitor', 'watch', 'cost'];

export async function runDemo(argv: string[]): Promise<number> {
  const named = argv[0] !== undefined && DEMO_COMMANDS.includes(argv[0]);
  const command = named ? argv[0]! : 'test';
  const rest = named ? argv.slice(1) : argv;
  // The service and the check must agree on the test account's password; a real deployment
  // would hold it in Secrets Manager, locally it is this environment variable.
  process.env.PROBE_SECRET_DEMO_PASSWORD ||= DEFAULT_DEMO_PASSWORD;
  const service = await startDemoService();
  process.env.DEMO_BASE_URL = service.baseUrl;
  process.env.DEMO_HTTPS_URL = service.httpsUrl;
  process.env.DEMO_TCP_PORT = String(service.tcpPort);
  process.env.DEMO_CA_FILE = service.caFile;
  process.stderr.write(`demo service: ${service.baseUrl} (https ${service.httpsUrl}, tcp 127.0.0.1:${service.tcpPort})\n`);

  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await main([command, '--config', demoConfigPath(), ...rest], {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await service.close();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runDemo(process.argv.slice(2));
}
