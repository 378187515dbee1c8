import { describe, expect, it } from 'vitest';
import { isLiteralSecret, isSecretHeader, isSecretName } from '../../lib/config/secretRules.js';

describe('credential names', () => {
  it.each([
    ['password', true],
    ['newPassword', true],
    ['passwordConfirm', true],
    ['pwd', true],
    ['client_secret', true],
    ['clientSecret', true],
    ['accessToken', true],
    ['refresh_token', true],
    ['apiKey', true],
    ['api_key', true],
    ['x-api-key', true],
    ['secretKey', true],
    ['session_id', true],
    ['credentials', true],
    ['username', false],
    ['tokenType', false],
    ['token_type_hint', false],
    ['grant_type', false],
    ['secretName', false],
    ['limit', false],
    ['compass', false],
  ])('%s → %s', (name, expected) => {
    expect(isSecretName(name)).toBe(expected);
  });

  it.each([
    ['Authorization', true],
    ['proxy-authorization', true],
    ['Cookie', true],
    ['X-Api-Key', true],
    ['X-Auth-Token', true],
    ['X-Session-Token', true],
    ['X-Client-Secret', true],
    ['Accept', false],
    ['X-Token-Type', false],
    ['X-Request-Id', false],
  ])('header %s → %s', (name, expected) => {
    expect(isSecretHeader(name)).toBe(expected);
  });

  it.each([
    ['hunter2', true],
    ['Bearer {{token}}', false],
    ['wrong-{{password}}', false],
    ['{{ token }}', false],
    ['{{bad name}}', true],
    ['', false],
  ])('literal %j → %s', (value, expected) => {
    expect(isLiteralSecret(value)).toBe(expected);
  });
});
