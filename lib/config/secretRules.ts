// Where a credential may appear, only a secret reference is allowed. These name rules decide
// which headers, variables and body fields carry credentials.
import { hasPlaceholder } from './placeholders.js';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'apikey', 'x-auth-token', 'x-csrf-token']);
const SECRET_NAME = /password|passwd|passphrase|^pass$|^pwd$|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credential|session|cookie/i;

/** Header names whose values are credentials. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

/** Variable and body field names that hold credentials (password, secret, token, apiKey …). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A literal string is acceptable for a credential field only when it takes its value from a
 * `{{placeholder}}` (a secret variable or an extracted token, checked on their own).
 */
export function isLiteralSecret(value: unknown): boolean {
  return typeof value === 'string' && value !== '' && !hasPlaceholder(value);
}

export const SECRET_EXPECTED = "secret('name') (or a {{placeholder}} naming a secret variable)";
export const LITERAL = 'a literal string';
