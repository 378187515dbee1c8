import { describe, expect, it } from 'vitest';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';

// Secret values shaped like what password generators really produce, and like JSON syntax.
const SCENARIOS: { name: string; secret: string }[] = [
  { name: 'plain', secret: 'correct-horse-battery' },
  { name: 'with a double quote', secret: 'pa"ss-w0rd' },
  { name: 'with a backslash', secret: 'back\\slash!' },
  { name: 'ending in a backslash', secret: 'trailing\\' },
  { name: 'that reads as a JSON literal', secret: 'true' },
  { name: 'that reads as a number', secret: '123456' },
  { name: 'with a newline', secret: 'line\nbreak' },
];

describe('Redactor', () => {
  for (const { name, secret } of SCENARIOS) {
    it(`removes a secret ${name} from values, their JSON text, and JSON-quoted excerpts`, () => {
      const redactor = new Redactor();
      redactor.add(secret);
      const value = {
        message: `status: expected 200, got 401 for ${secret}`,
        // What an assertion shows when it quotes a body: the secret escaped inside JSON text.
        actual: JSON.stringify({ token: secret }),
        url: `https://svc.test/?k=${encodeURIComponent(secret)}`,
        basic: `Basic ${Buffer.from(secret).toString('base64')}`,
        nested: [{ [secret]: secret }],
        count: 123456,
        ok: true,
      };
      const redacted = redactor.redactValue(value);
      // Every string that came out (numbers and booleans may equal a secret's text by chance).
      const text = [redacted.message, redacted.actual, redacted.url, redacted.basic, ...redacted.nested.flatMap((o) => [...Object.keys(o), ...Object.values(o)])].join('\n');
      expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(text).not.toContain(encodeURIComponent(secret));
      expect(text).not.toContain(Buffer.from(secret).toString('base64'));
      // Non-string values are untouched and the shape is kept.
      expect(redacted.count).toBe(123456);
      expect(redacted.ok).toBe(true);
      expect(redacted.nested).toHaveLength(1);
      expect(redacted.message).toContain('[REDACTED]');
    });
  }

  it('a scope redacts its parent secrets and its own transient values; the parent never learns transients', () => {
    const parent = new Redactor();
    parent.add('long-lived-secret');
    const scope = parent.scoped();
    scope.addTransient('extracted-token-1');
    scope.add('secret-resolved-later');
    expect(scope.redact('long-lived-secret extracted-token-1 secret-resolved-later')).toBe('[REDACTED] [REDACTED] [REDACTED]');
    expect(scope.redactValue({ t: 'Bearer extracted-token-1' })).toEqual({ t: 'Bearer [REDACTED]' });
    // Secrets go to the long-lived redactor; tokens are forgotten with the scope.
    expect(parent.redact('secret-resolved-later extracted-token-1')).toBe('[REDACTED] extracted-token-1');
    expect(parent.scoped().redact('extracted-token-1')).toBe('extracted-token-1');
  });

  it('leaves values alone when no secret is known', () => {
    const value = { a: 'x', b: [1, 2] };
    expect(new Redactor().redactValue(value)).toEqual(value);
  });
});

describe('EnvSecretProvider', () => {
  const cases: { name: string; value: string | undefined; result: { value: string } | { error: string } }[] = [
    { name: 'a set variable', value: 'tok-1234', result: { value: 'tok-1234' } },
    { name: 'an unset variable', value: undefined, result: { error: "secret 'api-token': expected environment variable PROBE_SECRET_API_TOKEN to be set, received nothing; set it and run again" } },
    { name: 'an empty variable', value: '', result: { error: "secret 'api-token': expected environment variable PROBE_SECRET_API_TOKEN to be set, received nothing; set it and run again" } },
    {
      name: 'a value too short to redact (it would pass into logs unmasked)',
      value: 'q7z',
      result: {
        error:
          "secret 'api-token': expected environment variable PROBE_SECRET_API_TOKEN to hold at least 4 characters, received 3; a value this short cannot be redacted from logs and reports, so it is refused (use a real credential and run again)",
      },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const env = c.value === undefined ? {} : { PROBE_SECRET_API_TOKEN: c.value };
      const result = await new EnvSecretProvider(env).resolve('api-token').then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      expect(result).toEqual(c.result);
    });
  }
});
