#!/usr/bin/env node
import { main } from '../lib/cli/main.js';
import { secretsRedactor } from '../lib/cli/runSetup.js';

// Exit code for a crash of the tool itself (sysexits' EX_SOFTWARE), so a pipeline can tell it
// from a failed check (1), a usage error (2) and an inconclusive canary (3): a crash must not
// trigger a rollback as if a check had failed.
const EXIT_INTERNAL = 70;

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort(new Error(signal)));
}

try {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
} catch (error) {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`probe-fleet: internal error (not a check failure; a retry is safe): ${secretsRedactor(process.env).redact(message)}\n`);
  process.exitCode = EXIT_INTERNAL;
}
