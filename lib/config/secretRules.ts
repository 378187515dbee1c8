// Where a credential may appear, only a secret reference is allowed. These name rules decide
// which headers, variables and body fields carry credentials.
import { hasPlaceholder } from './placeholders.js';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'apikey', 'x-auth-token', 'x-csrf-token']);
// Names that end in the credential noun (`accessToken`, `client_secret`, `x-api-key`) or name a
// password anywhere; `tokenType` or `token_type_hint` are ordinary fields and stay literal.
const SECRET_NAME = /password|passwd|passphrase|^(pass|pwd|authorization)$|(secret|secrets|token|tokens|credentials?|cookie|session|session[-_]?id)$|(api|private|access|secret|signing|client)[-_]?key$|^apikey$/i;

/** Header names whose values are credentials. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

/** Variable, query and body field names that hold credentials (password, secret, token, apiKey …). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A literal in a credential field: a number, or a string that does not take its value from a
 * `{{placeholder}}` (a secret variable or an extracted token, checked on their own).
 */
export function isLiteralSecret(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  return typeof value === 'string' && value !== '' && !hasPlaceholder(value);
}

export const SECRET_EXPECTED = "secret('name') (or a {{placeholder}} naming a secret variable)";

/** How a literal credential reads in a message: its type, never its value. */
export function describeLiteral(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `a literal ${typeof value}`;
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : 'an object';
}
