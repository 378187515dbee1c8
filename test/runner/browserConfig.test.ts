// Validation of browser checks: every problem reported at once, each with its path.
import { describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { browserScript } from '../../lib/runner/browserScript.js';

const common = {
  name: 'journey', service: 'shop', owner: 'team', runbook: 'https://runbooks.example.test/shop',
  rollbackNote: 'roll back', expect: 'the page works', severity: 'critical',
};

function fleet(check: Record<string, unknown>, environments: Record<string, unknown> = { prod: { baseUrl: 'https://shop.example.test' } }): unknown {
  return { name: 'f', homeRegion: 'eu-west-1', regions: ['eu-west-1'], forbiddenPaths: ['/payments'], environments, checks: [{ ...common, id: 'journey', kind: 'browser', ...check }] };
}

const script = browserScript(async ({ page, expect }) => {
  await expect(page.locator('h1')).toBeVisible();
});

function problems(input: unknown): string[] {
  const result = validateFleet(input);
  return result.ok ? [] : result.diagnostics.map((d) => `${d.path}: ${d.message}`);
}

describe('browser check validation', () => {
  it('accepts a journey with secrets, sideEffects, viewport and trace', () => {
    expect(problems(fleet({ url: '/login', script, secrets: ['shop-password'], sideEffects: { kind: 'none', reason: 'a sign-in' }, viewport: { width: 1024, height: 768 }, trace: true }))).toEqual([]);
  });

  const cases: { name: string; check: Record<string, unknown>; environments?: Record<string, unknown>; expected: RegExp[] }[] = [
    { name: 'no script', check: {}, expected: [/^checks\[0\]\.script: .*missing required value/] },
    { name: 'a script that does not parse', check: { script: { code: 'async ({ page }) => { await page.goto(' } }, expected: [/^checks\[0\]\.script\.code: Unexpected end of input: expected one function expression/] },
    { name: 'a script that is not a function', check: { script: { code: '42' } }, expected: [/^checks\[0\]\.script\.code: .*not a function expression/] },
    { name: 'a forbidden start page', check: { script, url: '/payments/checkout' }, expected: [/^checks\[0\]\.url: .*forbidden path "\/payments"/] },
    { name: 'extra CA certificates, which the browser would not use', check: { script, caCertificates: [{ file: 'ca.pem' }] }, expected: [/^checks\[0\]\.caCertificates: not supported for browser checks yet/] },
    { name: 'sandbox side effects on production', check: { script, sideEffects: { kind: 'sandbox', reason: 'orders' } }, expected: [/^checks\[0\]\.sideEffects\.kind: /] },
    {
      name: 'several problems at once',
      check: { script, secrets: ['a-secret', 'a-secret', ''], viewport: { width: 50 }, trace: 'yes', method: 'POST' },
      expected: [/^checks\[0\]\.method: key "method" belongs to http checks, not browser checks/, /^checks\[0\]\.secrets\[1\]: .*duplicate secret/, /^checks\[0\]\.secrets\[2\]: /, /^checks\[0\]\.viewport\.width: /, /^checks\[0\]\.viewport\.height: .*missing/, /^checks\[0\]\.trace: /],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = problems(fleet(c.check, c.environments));
      for (const pattern of c.expected) expect(found.some((p) => pattern.test(p)), `${String(pattern)} in\n${found.join('\n')}`).toBe(true);
      expect(found).toHaveLength(c.expected.length);
    });
  }

  it('a script key on an http check names the kind it belongs to', () => {
    const found = problems({ ...(fleet({}) as object), checks: [{ ...common, id: 'h', kind: 'http', url: '/', script }] });
    expect(found.join('\n')).toMatch(/script.*belongs to browser checks/);
  });
});
