// Configuration problems as values: each names the exact path, what was expected and what
// was received. A ConfigError carries all of them, so a user fixes everything in one pass.

export interface Diagnostic {
  /** Where the problem is: `checks[3].assertions[0].path`, `environments.prod.baseUrl`, or `(file)`. */
  path: string;
  /** The whole sentence: what is wrong, what was expected, what was received. */
  message: string;
  expected: string;
  /** Never a secret's value: literal secrets are described as "a literal string". */
  received: string;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  const count = diagnostics.length;
  const header = `Invalid fleet definition: ${count} ${count === 1 ? 'problem' : 'problems'} (fix them and run again; nothing ran or deployed)`;
  return [header, ...diagnostics.map((d) => `  ${d.path}: ${d.message}`)].join('\n');
}

export class ConfigError extends Error {
  readonly kind = 'config_invalid';
  /** A config error never heals by itself. */
  readonly retryable = false;
  constructor(
    readonly diagnostics: Diagnostic[],
    /** The file the definition came from, when there is one. */
    readonly file?: string,
  ) {
    super(file === undefined ? formatDiagnostics(diagnostics) : `${file}\n${formatDiagnostics(diagnostics)}`);
    this.name = 'ConfigError';
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError || (typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === 'config_invalid');
}
