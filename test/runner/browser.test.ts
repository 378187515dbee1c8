// Browser checks in a real Chromium (the project's own @sparticuz/chromium, one launch for the
// file) against a real shop on 127.0.0.1. Assertions are on what crossed the wire: the headers
// of every request the server saw, and writes and forbidden paths that never reached it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserCheck, BrowserScriptSource } from '../../lib/model/fleet.js';
import type { RateLimiterRegistry } from '../../lib/runner/api.js';
import { directoryArtifacts } from '../../lib/runner/browserArtifacts.js';
import { existingBrowserProvider } from '../../lib/runner/browserLaunch.js';
import { browserScript } from '../../lib/runner/browserScript.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { launchChromium } from '../support/browser.js';
import { startBrowserSite } from '../support/browserPages.js';
import type { BrowserSite } from '../support/browserPages.js';
import { COMMON, fleetOf, optionsFor } from './helpers.js';

const SECRET = 'hunter2-Zq9-s3cret';

let browser: Browser;
let site: BrowserSite;
let artifacts: string;

beforeAll(async () => {
  [browser, site] = await Promise.all([launchChromium(), startBrowserSite({ slowCssMs: 50 })]);
  artifacts = mkdtempSync(join(tmpdir(), 'browser-artifacts-'));
}, 60_000);

afterAll(async () => {
  await browser.close();
  await site.close();
  rmSync(artifacts, { recursive: true, force: true });
});

function check(id: string, url: string, script: BrowserScriptSource, extra: Partial<BrowserCheck> = {}): BrowserCheck {
  return { ...COMMON, id, kind: 'browser', url, script, secrets: ['shop-password'], timeoutMs: 15_000, ...extra };
}

async function run(target: BrowserCheck, extra: { runId?: string; rateLimiters?: RateLimiterRegistry; dir?: string } = {}) {
  const fleet = fleetOf([target], { prod: { baseUrl: site.url } }, { forbiddenPaths: ['/payments'] });
  const options = optionsFor(
    fleet,
    {
      browser: existingBrowserProvider(browser),
      artifacts: directoryArtifacts(extra.dir ?? artifacts),
      ...(extra.runId === undefined ? {} : { runId: extra.runId }),
      ...(extra.rateLimiters === undefined ? {} : { rateLimiters: extra.rateLimiters }),
      retriesOverride: { count: 0 },
    },
    { PROBE_SECRET_SHOP_PASSWORD: SECRET },
  );
  site.seen.length = 0;
  const result = await runCheck({ check: target, environment: 'prod' }, options);
  return { result, log: options.requestLog.entries };
}

const signIn = browserScript(async ({ page, values, expect, step }) => {
  await step('sign in', async () => {
    await page.fill('#username', 'probe-user');
    await page.fill('#password', await values.secret('shop-password'));
    // The page echoes this field to its console on change: redaction must catch it there.
    await page.fill('#memo', await values.secret('shop-password'));
    await page.click('#submit');
  });
  await step('see the account', async () => {
    await expect(page.locator('#welcome')).toContainText('Welcome back', { timeoutMs: 2_000 });
  });
});

describe('browser checks', () => {
  it('a login journey passes: steps timed, every request marked synthetic, the secret typed but never reported', async () => {
    const { result, log } = await run(check('login', '/login', signIn, { sideEffects: { kind: 'none', reason: 'a sign-in writes nothing the shop keeps' } }));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(result.browser?.steps.map((s) => [s.name, s.ok])).toEqual([
      ['open /login', true],
      ['sign in', true],
      ['see the account', true],
    ]);
    expect(result.browser?.steps.every((s) => s.durationMs >= 0)).toBe(true);
    expect(result.assertions.map((a) => a.description)).toEqual([`locator('#welcome') text contains "Welcome back"`]);

    // The service really got the form post (declared side effects), and every request was marked.
    expect(site.seen.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /login', 'POST /session', 'GET /account']));
    for (const request of site.seen) {
      expect(request.headers['x-synthetic-request'], request.path).toBe('true');
      expect(request.headers['x-synthetic-run-id'], request.path).toBe('run-test-1');
      expect(request.headers['user-agent'], request.path).toMatch(/^probe-fleet\/\S+ \(\+synthetic\)$/);
    }
    expect(site.seen.find((r) => r.method === 'POST')?.body).toContain(encodeURIComponent(SECRET));
    expect(result.browser?.requests).toBe(site.seen.length);

    // Redaction: the console echo, the result and the request log hold the mask, never the value.
    expect(result.browser?.consoleErrors).toContain('memo changed to [REDACTED]');
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(log)).not.toContain(SECRET);
    expect(log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`)).toEqual(expect.arrayContaining(['POST /session 303', 'GET /account 200']));
    expect(log.find((e) => e.method === 'POST')?.step).toBe('sign in');
    // Layout shift is observed on every page. (LCP is not reported for /account here: the page
    // was reached through the stand-in page of a redirect, see docs/browser.md.)
    expect(result.browser?.vitals.cls).toBeTypeOf('number');
    expect(result.browser?.screenshot).toBeUndefined();
  });

  it('without declared side effects the form post is aborted in the browser and never reaches the service', async () => {
    const { result, log } = await run(check('login-readonly', '/login', signIn));
    expect(result.ok).toBe(false);
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(result.failure?.step).toBe('sign in');
    expect(result.failure?.message).toContain('POST');
    expect(site.seen.some((r) => r.method === 'POST')).toBe(false);
    expect(result.browser?.blockedRequests.map((b) => `${b.method} ${new URL(b.url).pathname}`)).toEqual(['POST /session']);
    expect(log.find((e) => e.method === 'POST')?.error).toMatch(/^guard_blocked: /);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('a client-rendered basket: a fetch POST is blocked, the payment page is never requested, and the failure leaves a screenshot', async () => {
    const basket = browserScript(async ({ page, expect, step }) => {
      await step('items render', async () => {
        await expect(page.locator('li.item')).toHaveCount(2);
        await expect(page.locator('#total')).toHaveText('Total: 4.20 EUR');
      });
      await step('add is refused', async () => {
        await page.click('#add');
        await expect(page.locator('#total')).toHaveText('could not add');
      });
      await step('go to payment', async () => {
        await page.click('#pay');
        await expect(page.locator('h1')).toHaveText('Payment', { timeoutMs: 1_000 });
      });
    });
    const dir = mkdtempSync(join(artifacts, 'basket-'));
    const { result } = await run(check('basket', '/basket', basket), { dir });
    expect(result.ok).toBe(false);
    expect(result.failure?.kind).toBe('guard_blocked');
    expect(result.failure?.step).toBe('go to payment');
    expect(result.failure?.message).toContain("forbidden path '/payments'");
    expect(site.seen.some((r) => r.path.startsWith('/payments'))).toBe(false);
    expect(site.seen.some((r) => r.method === 'POST')).toBe(false);
    expect(result.browser?.blockedRequests.map((b) => `${b.method} ${new URL(b.url).pathname} ${b.step ?? ''}`)).toEqual([
      'POST /api/basket/items add is refused',
      'GET /payments/checkout go to payment',
    ]);
    expect(result.browser?.consoleErrors).toContain('basket widget: recommendations unavailable');
    expect(result.browser?.steps.map((s) => [s.name, s.ok])).toEqual([
      ['open /basket', true],
      ['items render', true],
      ['add is refused', true],
      ['go to payment', false],
    ]);
    const files = readdirSync(dir);
    expect(files).toEqual(['basket_prod_local_run-test-1_attempt1.png']);
    expect(result.browser?.screenshot).toBe(join(dir, files[0] ?? ''));
    expect(readFileSync(join(dir, files[0] ?? '')).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('a failed expectation names its step and selector; the screenshot is named without the secret', async () => {
    const stuck = browserScript(async ({ page, values, expect, step }) => {
      await step('fill the form', async () => {
        await page.fill('#memo', await values.secret('shop-password'));
        await page.locator('#memo').blur();
      });
      await step('see the account', async () => {
        await expect(page.locator('#welcome')).toBeVisible({ timeoutMs: 500 });
      });
    });
    const dir = mkdtempSync(join(artifacts, 'stuck-'));
    const { result } = await run(check('stuck', '/login', stuck), { dir, runId: `run-${SECRET}` });
    expect(result.failure?.kind).toBe('assertion');
    expect(result.failure?.step).toBe('see the account');
    expect(result.failure?.selector).toBe(`locator('#welcome')`);
    expect(result.failure?.message).toContain(`locator('#welcome') is visible: expected visible, received no such element`);
    expect(result.browser?.consoleErrors).toEqual(['memo changed to [REDACTED]']);
    const files = readdirSync(dir);
    expect(files).toEqual(['stuck_prod_local_run-REDACTED_attempt1.png']);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("a fetch's redirect hops are judged one by one: the allowed hop is followed, the one into /payments is never sent", async () => {
    const offers = browserScript(async ({ page, expect }) => {
      await expect(page.locator('#basket-count')).toHaveText('2 items');
      await expect(page.locator('#promo')).toHaveText('no promo');
    });
    const { result, log } = await run(check('offers', '/offers', offers));
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    expect(site.seen.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/old-basket', '/api/basket', '/api/promo']));
    expect(site.seen.some((r) => r.path.startsWith('/payments'))).toBe(false);
    for (const request of site.seen) expect(request.headers['x-synthetic-request'], request.path).toBe('true');
    expect(result.browser?.blockedRequests.map((b) => `${b.method} ${new URL(b.url).pathname}`)).toEqual(['GET /payments/promo']);
    expect(result.browser?.blockedRequests[0]?.reason).toMatch(/^redirected from .*\/api\/promo: GET \/payments\/promo: path matches forbidden path '\/payments'/);
    expect(log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status ?? e.error?.split(':')[0] ?? ''}`)).toEqual(
      expect.arrayContaining(['GET /api/old-basket 301', 'GET /payments/promo guard_blocked']),
    );
  });

  it("every request the page makes waits for its origin's rate-limit token", async () => {
    const asked: string[] = [];
    const counting: RateLimiterRegistry = {
      acquire(origin) {
        asked.push(origin);
        return Promise.resolve(true);
      },
    };
    const { result } = await run(check('basket-read', '/basket', browserScript(async ({ page, expect }) => {
      await expect(page.locator('li.item')).toHaveCount(2);
    })), { rateLimiters: counting });
    expect(result.ok, JSON.stringify(result.failure)).toBe(true);
    const origin = new URL(site.url);
    expect(asked.length).toBe(site.seen.length);
    // A page reached by a plain navigation reports its Largest Contentful Paint and layout shift.
    expect(result.browser?.vitals.lcpMs).toBeGreaterThan(0);
    expect(result.browser?.vitals.cls).toBeGreaterThanOrEqual(0);
    expect(new Set(asked)).toEqual(new Set([`http://${origin.hostname}:${origin.port}`]));
  });

  it('a starved rate limiter aborts the request in the browser: the service is not asked', async () => {
    let granted = 0;
    const stingy: RateLimiterRegistry = {
      acquire() {
        // The document and its stylesheet get tokens; the basket API call does not.
        granted += 1;
        return Promise.resolve(granted <= 2);
      },
    };
    const { result } = await run(check('basket-starved', '/basket', browserScript(async ({ page, expect }) => {
      await expect(page.locator('li.item')).toHaveCount(2, { timeoutMs: 500 });
    })), { rateLimiters: stingy });
    expect(result.ok).toBe(false);
    expect(site.seen.some((r) => r.path === '/api/basket')).toBe(false);
    expect(result.browser?.blockedRequests.some((b) => b.reason.startsWith('rate-limited:'))).toBe(true);
  });
});
