// What every CLI command looks like. Commands return their exit code; they never call process.exit.

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Reports a usage error the same way for every command and returns its exit code. */
export function usageFailure(io: CliIO, command: string, error: string): number {
  io.stderr.write(`probe-fleet ${command}: ${error}\nRun 'probe-fleet ${command} --help' for the options.\n`);
  return EXIT_USAGE;
}
