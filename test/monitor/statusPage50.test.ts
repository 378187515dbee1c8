// The status page with 50 checks, 5 of them failing, in Chromium at phone and desktop widths:
// the failing checks are on the first screen, with since-when and the reason; without
// JavaScript the page says it reloads and does; badges are SVG. Screenshots go to
// test-artifacts/ to be looked at.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../lib/model/fleet.js';
import { NO_SCRIPT_REFRESH_S } from '../../lib/monitor/page.js';
import { launchChromium } from '../support/browser.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, monitorInProcess, tempDir, waitFor, writeFleet } from './support.js';
import type { InProcessMonitor } from './support.js';

const FAILING = new Set([7, 18, 23, 36, 49]);

describe('status page with 50 checks', () => {
  let service: StartedHttpServer;
  let dir: string;
  let monitor: InProcessMonitor;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    service = await startHttpServer((req, res) => {
      req.resume();
      const bad = (req.url ?? '').startsWith('/bad/');
      res.writeHead(bad ? 503 : 200, { 'content-type': 'text/plain' });
      res.end(bad ? 'upstream connect error or disconnect/reset before headers' : 'ok');
    });
    dir = tempDir('probe-fleet-status50-');
    const fleet: Fleet = {
      name: 'shop',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      defaults: { timeoutMs: 2000, retries: { count: 0 }, rateLimit: { requestsPerSecond: 200, burst: 60 } },
      environments: { local: { baseUrl: service.url } },
      checks: Array.from({ length: 50 }, (_, i) => ({
        kind: 'http' as const,
        id: `check-${String(i).padStart(2, '0')}`,
        name: `Endpoint ${i} answers`,
        service: `service-${i % 5}`,
        ...TEAM,
        runbook: `https://runbooks.example/${i}`,
        expect: 'GET answers 200',
        severity: i % 2 === 0 ? ('critical' as const) : ('warning' as const),
        url: FAILING.has(i) ? `/bad/${i}` : `/ok/${i}`,
        assertions: [{ type: 'status' as const, equals: 200 }],
      })),
    };
    monitor = monitorInProcess(['--config', writeFleet(dir, fleet), '--data', join(dir, 'data'), '--port', '0', '--period', '5s', '--request-log', join(dir, 'requests.jsonl')], {}, dir);
    url = await monitor.url;
    // A 5 s period: 50 checks start in the same instant on a shared machine, and each run must end before its next slot.
    await waitFor('two results of every check', () => (monitor.output().match(/ (PASS|FAIL|SLOW) /g) ?? []).length >= 100, 60_000);
    browser = await launchChromium();
    mkdirSync('test-artifacts', { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    expect(await monitor?.stop()).toBe(0);
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const widths = [
    { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, file: 'status-50-phone.png' },
    { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false, file: 'status-50-desktop.png' },
  ];
  for (const w of widths) {
    it(`${w.name}: every failing check is on the first screen, with since-when and the reason`, async () => {
      const page = await browser.newPage({ viewport: w.viewport, isMobile: w.isMobile });
      await page.goto(`${url}/`);
      await page.screenshot({ path: `test-artifacts/${w.file}`, fullPage: false });
      const items = page.locator('#failing-now li');
      expect(await items.count()).toBe(5);
      const box = await page.locator('#failing-now').boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThanOrEqual(w.viewport.height);
      for (const text of await items.allTextContents()) {
        expect(text).toMatch(/failing since \d\d:\d\d:\d\d UTC/);
        expect(text).toMatch(/503/);
      }
      expect((await page.locator('#failing-now li a').allTextContents()).sort()).toEqual([...FAILING].map((i) => `Endpoint ${i} answers`).sort());
      // Nothing scrolls sideways.
      expect(await page.evaluate(() => {
        const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
        return g.document.documentElement.scrollWidth <= g.innerWidth;
      })).toBe(true);
      if (w.isMobile) {
        // Passing cards are compact: the whole page stays a few screens long, not 25,000 px.
        const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
        expect(height).toBeLessThan(14_000);
        await page.screenshot({ path: 'test-artifacts/status-50-phone-full.png', fullPage: true });
      }
      await page.close();
    });
  }

  it('without JavaScript: a meta refresh, and the footer says the page reloads instead of claiming live', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${url}/`);
    expect(await page.locator('#freshness').textContent()).toBe(`Reloads every ${NO_SCRIPT_REFRESH_S} s (JavaScript is off).`);
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toContain(`<noscript><meta http-equiv="refresh" content="${NO_SCRIPT_REFRESH_S}"></noscript>`);
    await context.close();
    // With JavaScript the same footer says it is live once the event stream is open.
    const live = await browser.newPage();
    await live.goto(`${url}/`);
    await expect.poll(async () => live.locator('#freshness').textContent(), { timeout: 10_000 }).toBe('Live: updates arrive as checks finish.');
    await live.close();
  });

  it('serves SVG uptime badges by check id', async () => {
    const ok = await fetch(`${url}/badge/check-00.svg`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const okSvg = await ok.text();
    expect(okSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(okSvg).toContain('100%');
    expect(okSvg).toContain('#1a7f37');
    const bad = await (await fetch(`${url}/badge/check-07.svg?label=orders`)).text();
    expect(bad).toContain('>orders<');
    expect(bad).toContain('0.0%');
    expect(bad).toContain('#cf222e');
    expect((await fetch(`${url}/badge/nope.svg`)).status).toBe(404);
  });
});
