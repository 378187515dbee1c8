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

/**
 * How many problems are printed one per line. A generated fleet with one mistake repeated over
 * a thousand checks would otherwise bury the header and the terminal; the first lines show the
 * pattern, and the count says how much is left. ConfigError.diagnostics keeps every one.
 */
export const MAX_LISTED_DIAGNOSTICS = 20;

export function formatDiagnostics(diagnostics: readonly Diagnostic[], maxListed = MAX_LISTED_DIAGNOSTICS): string {
  const count = diagnostics.length;
  const header = `Invalid fleet definition: ${count} ${count === 1 ? 'problem' : 'problems'} (fix them and run again; nothing ran or deployed)`;
  const listed = diagnostics.slice(0, Math.max(1, maxListed)).map((d) => `  ${d.path}: ${d.message}`);
  const rest = count - listed.length;
  if (rest > 0) listed.push(`  … and ${rest} more ${rest === 1 ? 'problem' : 'problems'} not shown (${listed.length} of ${count} listed)`);
  return [header, ...listed].join('\n');
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
