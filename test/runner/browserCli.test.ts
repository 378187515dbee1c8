// `probe-fleet test` with browser checks, end to end: a TypeScript config using browserScript(),
// loaded through the config worker, run against the shop on 127.0.0.1 with the project's own
// Chromium; the failing journey leaves its screenshot in --artifacts and says where.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import type { CheckResult } from '../../lib/model/result.js';
import { chromiumExecutable } from '../support/browser.js';
import { startBrowserSite } from '../support/browserPages.js';
import type { BrowserSite } from '../support/browserPages.js';

let site: BrowserSite;
let dir: string;
let executablePath: string;

beforeAll(async () => {
  [site, { executablePath }] = await Promise.all([startBrowserSite(), chromiumExecutable()]);
  dir = mkdtempSync(join(tmpdir(), 'browser-cli-'));
}, 60_000);

afterAll(async () => {
  await site.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (baseUrl: string): string => `
import { browserScript, defineFleet } from 'probe-fleet';

const common = {
  service: 'shop', owner: 'team-shop', runbook: 'https://runbooks.example.test/shop',
  rollbackNote: 'roll back the shop', severity: 'critical',
} as const;

export default defineFleet({
  name: 'shop',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
  forbiddenPaths: ['/payments'],
  environments: { local: { baseUrl: ${JSON.stringify(baseUrl)} } },
  checks: [
    {
      ...common, kind: 'browser', id: 'basket-renders', name: 'Basket renders', url: '/basket',
      expect: 'two items and a total',
      script: browserScript(async ({ page, expect, step }) => {
        await step('items', async () => {
          await expect(page.locator('li.item')).toHaveCount(2);
        });
      }),
    },
    {
      ...common, kind: 'browser', id: 'reach-payment', name: 'Reach payment', url: '/basket',
      expect: 'the payment page is refused outside a sandbox',
      script: browserScript(async ({ page, expect, step }) => {
        await step('pay', async () => {
          await page.click('#pay');
          await expect(page.locator('h1')).toHaveText('Payment', { timeoutMs: 1000 });
        });
      }),
    },
  ],
});
`;

describe('probe-fleet test with browser checks', () => {
  it('runs the journeys, fails the one that needs the payment page, and leaves its screenshot', async () => {
    const configFile = join(dir, 'probes.config.ts');
    writeFileSync(configFile, config(site.url));
    const artifacts = join(dir, 'shots');
    const report = join(dir, 'report.json');
    let stderr = '';
    const code = await main(['test', '--config', configFile, '--reporter', 'json', '--output', report, '--request-log', join(dir, 'requests.jsonl'), '--artifacts', artifacts], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PROBE_FLEET_CHROMIUM: executablePath },
      cwd: dir,
      signal: new AbortController().signal,
    });
    expect(code, stderr).toBe(1);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { results: CheckResult[] };
    const byId = new Map(parsed.results.map((r) => [r.checkId, r]));
    expect(byId.get('basket-renders')?.ok).toBe(true);
    const failed = byId.get('reach-payment');
    expect(failed?.failure?.kind).toBe('guard_blocked');
    expect(failed?.failure?.step).toBe('pay');
    const shots = readdirSync(artifacts);
    expect(shots).toHaveLength(1);
    expect(shots[0]).toMatch(/^reach-payment_local_local_.+_attempt1\.png$/);
    expect(failed?.browser?.screenshot).toBe(join(artifacts, shots[0] ?? ''));
    expect(failed?.failure?.message).toContain(`(screenshot: ${join(artifacts, shots[0] ?? '')})`);
    expect(site.seen.some((r) => r.path.startsWith('/payments'))).toBe(false);
  });

  it('probe-fleet verify gates on the same journeys and keeps the screenshot too', async () => {
    const configFile = join(dir, 'probes.config.ts');
    writeFileSync(configFile, config(site.url));
    const artifacts = join(dir, 'verify-shots');
    let stderr = '';
    const code = await main(['verify', '--config', configFile, '--env', 'local', '--request-log', join(dir, 'verify-requests.jsonl'), '--artifacts', artifacts], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PROBE_FLEET_CHROMIUM: executablePath },
      cwd: dir,
      signal: new AbortController().signal,
    });
    expect(code, stderr).toBe(1);
    expect(readdirSync(artifacts)).toEqual([expect.stringMatching(/^reach-payment_local_local_.+_attempt1\.png$/)]);
  });
});
