// Values that may hold credentials (headers, variables, form fields, auth) and the
// `{{name}}` placeholders inside request texts.
import { at, describeReceived, isRecord } from './collector.js';
import type { Collector } from './collector.js';
import { scanPlaceholders } from './placeholders.js';
import { SECRET_EXPECTED, describeLiteral, isLiteralSecret, isSecretHeader, isSecretName } from './secretRules.js';

// Secrets Manager names: letters, digits and /_+=.@-
const SECRET_REF_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function looksLikeSecretRef(value: unknown): boolean {
  return isRecord(value) && '$secret' in value;
}

/** `secret('name')`; a plain string here is a literal secret, and is never echoed. */
export function validateSecretRef(c: Collector, path: string, value: unknown, required: boolean): void {
  if (!c.present(path, value, "secret('name')", required)) return;
  if (!isRecord(value)) {
    c.report(path, "secret('name')", describeLiteral(value), 'a credential must be a secret reference');
    return;
  }
  const ref = c.object(path, value, ['$secret'], "secret('name')");
  if (!ref) return;
  c.matching(at(path, '$secret'), ref.$secret, true, SECRET_REF_NAME, 'a secret name of letters, digits and /_+=.@-');
}

/**
 * A string or `secret('name')`. When `credential` is set, a literal string without a
 * placeholder is refused: that is where a password or token would be pasted.
 */
export function validateStringOrSecret(c: Collector, path: string, value: unknown, credential: string | undefined): string | undefined {
  if (looksLikeSecretRef(value)) {
    validateSecretRef(c, path, value, true);
    return undefined;
  }
  if (credential !== undefined && isLiteralSecret(value)) {
    c.report(path, SECRET_EXPECTED, describeLiteral(value), `${credential} holds a credential`);
    return undefined;
  }
  if (typeof value !== 'string') {
    c.report(path, "a string or secret('name')", credential === undefined ? describeReceived(value) : describeLiteral(value));
    return undefined;
  }
  return value;
}

/** Headers by name; credential headers (Authorization, Cookie, X-Api-Key, *token*, *secret*) need secrets. */
export function validateHeaders(c: Collector, path: string, value: unknown, onText?: (path: string, text: string) => void): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    c.report(path, "an object of header name → string or secret('name')", describeReceived(value));
    return;
  }
  const headers = value;
  for (const [name, header] of Object.entries(headers)) {
    const headerPath = at(path, name);
    if (!HEADER_NAME.test(name)) c.report(headerPath, 'a header name (letters, digits and !#$%&\'*+.^_`|~-)', JSON.stringify(name));
    const text = validateStringOrSecret(c, headerPath, header, isSecretHeader(name) ? `header "${name}"` : undefined);
    if (text !== undefined) onText?.(headerPath, text);
  }
}

/** Environment variables: credential-like names (password, secret, token, apiKey) need secrets. */
export function validateVariables(c: Collector, path: string, value: unknown): Set<string> {
  const names = new Set<string>();
  if (value === undefined) return names;
  if (!isRecord(value)) {
    c.report(path, "an object of variable name → string or secret()", describeReceived(value));
    return names;
  }
  for (const [name, variable] of Object.entries(value)) {
    const variablePath = at(path, name);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) c.report(variablePath, 'a variable name of letters, digits and _.- (usable as {{name}})', JSON.stringify(name));
    validateStringOrSecret(c, variablePath, variable, isSecretName(name) ? `variable "${name}"` : undefined);
    names.add(name);
  }
  return names;
}

export interface PlaceholderScope {
  /** Names extracted by earlier flow steps. */
  extracted: ReadonlySet<string>;
  /** Names only later steps extract: a forward reference. */
  laterExtracted: ReadonlySet<string>;
  /** The environments the check runs against, with their variable names. */
  environments: readonly { name: string; variables: ReadonlySet<string> }[];
}

export function validatePlaceholders(c: Collector, path: string, text: string, scope: PlaceholderScope): void {
  const scan = scanPlaceholders(text);
  for (const bad of scan.malformed) {
    c.report(path, 'placeholders written {{name}} (letters, digits and _.-)', JSON.stringify(bad), 'malformed placeholder');
  }
  for (const name of new Set(scan.names)) {
    if (scope.extracted.has(name)) continue;
    if (scope.laterExtracted.has(name)) {
      c.report(path, `a value extracted by an earlier step or an environment variable`, `{{${name}}}`, `{{${name}}} is extracted only by a later step`);
      continue;
    }
    const missing = scope.environments.filter((e) => !e.variables.has(name)).map((e) => e.name);
    if (missing.length === 0) continue;
    c.report(
      path,
      `an earlier step's extract or a variable defined in environment${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
      `{{${name}}}`,
      `placeholder {{${name}}} refers to nothing`,
    );
  }
}
