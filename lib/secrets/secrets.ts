// Secret resolution and redaction. A secret's value exists only in memory: every
// text that leaves the process (logs, reports, errors, notifications) passes redact().

export interface SecretProvider {
  /** Resolves a secret by name; rejects with a SecretError naming the secret (never its value). */
  resolve(name: string): Promise<string>;
}

export class SecretError extends Error {
  readonly kind = 'secret_unavailable';
  constructor(
    readonly secretName: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Environment variable that holds a secret locally: `db-password` → `PROBE_SECRET_DB_PASSWORD`. */
export function secretEnvName(name: string): string {
  return `PROBE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Local resolution from `PROBE_SECRET_<NAME>` environment variables. */
export class EnvSecretProvider implements SecretProvider {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly redactor?: Redactor,
  ) {}

  resolve(name: string): Promise<string> {
    const problem = envSecretProblem(name, this.env);
    if (problem !== undefined) return Promise.reject(new SecretError(name, problem, false));
    const value = this.env[secretEnvName(name)]!;
    this.redactor?.add(value);
    return Promise.resolve(value);
  }
}

/**
 * The shortest secret value the redactor can mask: a shorter one would mask ordinary text
 * (every `ab` in a report), so it is not masked at all and must not be used.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * Why the `PROBE_SECRET_*` variable behind `name` cannot be used, or undefined when it can.
 * The message names the variable and never contains its value.
 */
export function envSecretProblem(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const variable = secretEnvName(name);
  const value = env[variable];
  if (value === undefined || value === '') {
    return `secret '${name}': expected environment variable ${variable} to be set, received nothing; set it and run again`;
  }
  if (value.length < MIN_SECRET_LENGTH) {
    return `secret '${name}': expected environment variable ${variable} to hold at least ${MIN_SECRET_LENGTH} characters, received ${value.length}; a value this short cannot be redacted from logs and reports, so it is refused (use a real credential and run again)`;
  }
  return undefined;
}

const MASK = '[REDACTED]';

/** Replaces every known secret value, and its URL-encoded and base64 forms, in text. */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** A scoped redactor (see `scoped()`) redacts its parent's values as well as its own. */
  private parent: Redactor | null = null;

  /**
   * A redactor for one check run. Secrets added to it still go to this (long-lived) redactor;
   * `addTransient` values — tokens a flow step extracts — are known only to the scope and are
   * forgotten with it, so a monitor or probe running for months does not accumulate them.
   */
  scoped(): Redactor {
    const child = new Redactor();
    child.parent = this;
    return child;
  }

  /** Redacts `value` in this scope only (a short-lived credential, e.g. an extracted token). */
  addTransient(value: string): void {
    this.addForms(value);
  }

  add(value: string): void {
    if (this.parent) {
      this.parent.add(value);
      return;
    }
    this.addForms(value);
  }

  private addForms(value: string): void {
    // Very short values would redact ordinary text. Configured secrets this short are refused
    // when resolved (envSecretProblem); an extracted token this short is not a credential.
    if (value.length < MIN_SECRET_LENGTH) return;
    // The value as written, URL-encoded, base64 (Basic auth), and escaped inside JSON text
    // (a result quoting a body or header holds `pa\"ss` for `pa"ss`).
    const forms = [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1)];
    let changed = false;
    for (const form of forms) {
      if (!this.values.has(form)) {
        this.values.add(form);
        changed = true;
      }
    }
    if (changed) this.pattern = null;
  }

  redact(text: string): string {
    if (this.parent) text = this.parent.redact(text);
    if (this.values.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, MASK);
  }

  /**
   * Redacts every string (and object key) inside a JSON-compatible value. It walks the value
   * rather than rewriting its JSON text, so a secret that looks like JSON syntax (`true`, a
   * number, a trailing backslash) can neither survive nor corrupt the result.
   */
  redactValue<T>(value: T): T {
    if (this.values.size === 0 && !this.parent?.knowsAny()) return value;
    return this.walk(value) as T;
  }

  private knowsAny(): boolean {
    return this.values.size > 0 || (this.parent?.knowsAny() ?? false);
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.redact(key)] = this.walk(item);
      return out;
    }
    return value;
  }
}
