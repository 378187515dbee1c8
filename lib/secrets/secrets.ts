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

const UNRESERVED = /^[A-Za-z0-9._~-]+$/;
const LONG_TOKEN = 64;
/** Longer secrets get literal forms instead of the tolerant pattern (see compile). */
const LONG_SECRET = 256;

function longSecretForms(secret: string): string[] {
  const json = (text: string): string => JSON.stringify(text).slice(1, -1);
  const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  const forms = new Set([secret, json(secret), json(json(secret)), json(json(json(secret))), encodeURIComponent(secret), new URLSearchParams({ v: secret }).toString().slice(2), xml(secret)]);
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Base64 fragments shorter than this are not matched out of alignment: too likely to be ordinary text. */
const MIN_BASE64_FRAGMENT = 8;

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `3B` → `3[bB]`: hex digits as any escaper writes them. */
const hexPattern = (code: number, width: number): string =>
  code
    .toString(16)
    .toUpperCase()
    .padStart(width, '0')
    .replace(/[A-F]/g, (d) => `[${d}${d.toLowerCase()}]`);

// Encodings a service (or we) may wrap around a secret, at any depth and in any mix:
// percent-encoding (`%22`, twice encoded `%2522`), XML/HTML entities (`&quot;`, `&#34;`,
// `&#x22;`, `&amp;quot;`), JSON string escapes (`\"`, `\\\"`, `\/`, `\u0022`) and form
// encoding (a space as `+`).
const PCT = '%(?:25)*';
const AMP = `(?:&|${PCT}26)`;
const SEMI = `(?:;|${PCT}3[bB])`;
const HASH = `(?:#|${PCT}23)`;
/**
 * The longest run of backslashes taken in one step. Bounded so that a body of a million
 * backslashes costs linear time; a longer run (JSON nested more than six deep) still matches,
 * starting further into the run, and leaves only escape characters outside the mask.
 */
const MAX_RUN = 64;
/** One backslash, raw or percent-encoded: the escape prefix JSON adds at every level. */
const BACKSLASH = `(?:\\\\|${PCT}5[cC]|${AMP}(?:amp${SEMI})*${HASH}(?:0*92|[xX]0*5[cC])${SEMI})`;
const ENTITY_NAMES: Record<string, string> = { '"': 'quot', "'": 'apos', '<': 'lt', '>': 'gt', '&': 'amp' };
const JSON_SHORT: Record<string, string> = { '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

/**
 * A pattern for one secret that matches it however it was escaped or encoded, at any depth.
 * Each character may be preceded by any run of backslashes (JSON escaping, once or nested) and
 * written as itself, percent-encoded, as an entity, or as a JSON `\uXXXX` escape. The run of
 * backslashes is taken atomically (a lookahead and a back-reference) and at most MAX_RUN at a
 * time, so a long run of backslashes in a hostile body costs linear time. `group` numbers
 * the capture groups this pattern adds, from `firstGroup`.
 */
function tolerantPattern(secret: string, firstGroup: number): { source: string; groups: number } {
  let group = firstGroup;
  const parts: string[] = [];
  for (const char of secret) {
    const code = char.codePointAt(0) ?? 0;
    const n = group++;
    if (char === '\\') {
      // The secret's own backslash is the run itself (JSON doubles it at every level).
      parts.push(`(?=((?:${BACKSLASH}){1,${MAX_RUN}}))\\${n}`);
      continue;
    }
    const forms = [escapeRegex(char)];
    if (code < 0x80) {
      forms.push(`${PCT}${hexPattern(code, 2)}`);
      forms.push(`u${hexPattern(code, 4)}`);
      const entity = ENTITY_NAMES[char];
      forms.push(`${AMP}(?:amp${SEMI})*(?:${HASH}0*${code}|${HASH}[xX]0*${hexPattern(code, 1)}${entity ? `|${entity}` : ''})${SEMI}`);
      if (char === ' ') forms.push('\\+');
      const short = JSON_SHORT[char];
      if (short) forms.push(short);
    } else {
      // Outside ASCII: UTF-8 bytes percent-encoded, or a JSON \u escape of the UTF-16 unit(s).
      const utf8 = [...Buffer.from(char, 'utf8')].map((b) => `${PCT}${hexPattern(b, 2)}`).join('');
      const units = Array.from({ length: char.length }, (_, i) => `u${hexPattern(char.charCodeAt(i), 4)}`);
      forms.push(utf8, units.join(`${BACKSLASH}+`));
      forms.push(`${AMP}(?:amp${SEMI})*(?:${HASH}0*${code}|${HASH}[xX]0*${hexPattern(code, 1)})${SEMI}`);
    }
    parts.push(`(?=((?:${BACKSLASH}){0,${MAX_RUN}}))\\${n}(?:${forms.join('|')})`);
  }
  return { source: parts.join(''), groups: group - firstGroup };
}

/**
 * The secret's bytes as they appear inside any base64 (or base64url) text: encoded at each of
 * the three byte alignments, keeping only the characters that depend on the secret alone, so
 * `Basic base64(user:secret)` or a token embedding it is caught too.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms = new Set<string>();
  const padded = bytes.toString('base64');
  forms.add(padded);
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + bytes.length)) / 6);
    const fragment = encoded.slice(first, last);
    if (fragment.length >= MIN_BASE64_FRAGMENT) forms.add(fragment);
  }
  for (const form of [...forms]) forms.add(form.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/**
 * Replaces every known secret value in text, however it was escaped or encoded: as written,
 * JSON-escaped at any depth, percent-encoded, as XML/HTML entities, form-encoded, base64 or
 * base64url (at any alignment), and mixes of these.
 */
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
    this.addValue(value);
  }

  add(value: string): void {
    if (this.parent) {
      this.parent.add(value);
      return;
    }
    this.addValue(value);
  }

  private addValue(value: string): void {
    // Very short values would redact ordinary text. Configured secrets this short are refused
    // when resolved (envSecretProblem); an extracted token this short is not a credential.
    if (value.length < MIN_SECRET_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    this.pattern = null;
  }

  private compile(): RegExp {
    // Longest first, so a secret that contains another is masked whole.
    const secrets = [...this.values].sort((a, b) => b.length - a.length);
    const alternatives: string[] = [];
    let group = 1;
    for (const secret of secrets) {
      // Escapers leave letters, digits and `._~-` alone (a JWT, an API key, a hex token): a
      // long value of only those is matched as written, which keeps the pattern small.
      if (secret.length >= LONG_TOKEN && UNRESERVED.test(secret)) {
        alternatives.push(escapeRegex(secret));
        continue;
      }
      // A very long value (a PEM certificate or key held as a secret) would make a pattern of
      // hundreds of kilobytes that every report string pays for; it is matched in the forms
      // services actually produce: as written, JSON-escaped up to three levels, URL- and
      // form-encoded, XML-escaped.
      if (secret.length > LONG_SECRET) {
        alternatives.push(...longSecretForms(secret).map(escapeRegex));
        continue;
      }
      const tolerant = tolerantPattern(secret, group);
      group += tolerant.groups;
      alternatives.push(tolerant.source);
    }
    const literal = new Set<string>();
    for (const secret of secrets) {
      // Base64 of the value and of its JSON-escaped and percent-encoded text (a body that
      // was JSON or a query string before it was base64-encoded).
      for (const text of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
        for (const form of base64Forms(Buffer.from(text, 'utf8'))) literal.add(form);
      }
    }
    alternatives.push(...[...literal].sort((a, b) => b.length - a.length).map(escapeRegex));
    return new RegExp(alternatives.join('|'), 'g');
  }

  redact(text: string): string {
    if (this.parent) text = this.parent.redact(text);
    if (this.values.size === 0) return text;
    this.pattern ??= this.compile();
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
