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
    const variable = secretEnvName(name);
    const value = this.env[variable];
    if (value === undefined || value === '') {
      return Promise.reject(
        new SecretError(name, `secret '${name}': expected environment variable ${variable} to be set, received nothing; set it and run again`, false),
      );
    }
    this.redactor?.add(value);
    return Promise.resolve(value);
  }
}

const MASK = '[REDACTED]';

/** Replaces every known secret value, and its URL-encoded and base64 forms, in text. */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  add(value: string): void {
    // Very short values would redact ordinary text; they are still never logged on purpose.
    if (value.length < 4) return;
    const forms = [value, encodeURIComponent(value), Buffer.from(value).toString('base64')];
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

  /** Redacts every string inside a JSON-compatible value. */
  redactValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
