// The status page in a real headless Chromium: it renders every check with its state, a
// latency chart drawn as SVG paths, certificate days, failures with reasons; it updates live
// and works from the keyboard. A screenshot is kept in test-artifacts/.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService } from '../../demo/server.js';
import type { DemoService } from '../../demo/server.js';
import type { Fleet } from '../../lib/model/fleet.js';
import { launchChromium } from '../support/browser.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { TEAM, monitorInProcess, tempDir, waitFor, writeFleet } from './support.js';
import type { InProcessMonitor } from './support.js';

describe('status page in Chromium', () => {
  let demo: DemoService;
  let dir: string;
  let monitor: InProcessMonitor;
  let url: string;
  let browser: Browser;
  // The search service is this test's own: 404 (failing) until the live-update test turns it to 200.
  let searchStatus = 404;
  let searchService: StartedHttpServer;

  beforeAll(async () => {
    demo = await startDemoService();
    searchService = await startHttpServer((req, res) => {
      req.resume();
      res.writeHead(searchStatus, { 'content-type': 'application/json' });
      res.end(searchStatus === 200 ? '{"results":[]}' : '{"error":"not found"}');
    });
    dir = tempDir('probe-fleet-status-');
    const https = new URL(demo.httpsUrl);
    const fleet: Fleet = {
      name: 'demo',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      // Generous latency limits: on a loaded machine a healthy check must not turn into a failing one.
      defaults: { timeoutMs: 1900, retries: { count: 0 }, rateLimit: { requestsPerSecond: 50, burst: 20 }, degradedMs: 800, maxMs: 1900 },
      environments: { local: { baseUrl: demo.baseUrl, caCertificates: [{ file: demo.caFile }] } },
      checks: [
        { kind: 'http', id: 'health', name: 'Health endpoint reports ok', service: 'demo-shop', ...TEAM, runbook: 'https://runbooks.example.com/health', expect: 'GET /health answers 200 with {"status":"ok"}.', severity: 'critical', url: '/health', assertions: [{ type: 'status', equals: 200 }, { type: 'json', path: '$.status', equals: 'ok' }] },
        { kind: 'http', id: 'products', name: 'Product listing returns JSON', service: 'demo-shop', ...TEAM, runbook: 'https://runbooks.example.com/products', expect: 'GET /products?limit=1 answers 200 with one product.', severity: 'critical', url: '/products', query: { limit: 1 }, assertions: [{ type: 'json', path: '$', length: 1 }] },
        { kind: 'tls', id: 'https-certificate', name: 'HTTPS certificate is valid', service: 'demo-shop', ...TEAM, runbook: 'https://runbooks.example.com/tls', expect: 'A trusted certificate for localhost with 30+ days left.', severity: 'warning', host: https.hostname, port: Number(https.port), minDaysRemaining: 30 },
        { kind: 'http', id: 'search', name: 'Search answers', service: 'search', owner: 'team-search', rollbackNote: 'Switch search back to the previous index.', runbook: 'https://runbooks.example.com/search', expect: 'GET /search?q=anvil answers 200.', severity: 'warning', url: `${searchService.url}/search`, query: { q: 'anvil' }, assertions: [{ type: 'status', equals: 200 }] },
      ],
    };
    const config = writeFleet(dir, fleet);
    monitor = monitorInProcess(['--config', config, '--data', join(dir, 'data'), '--port', '0', '--period', '2s', '--request-log', join(dir, 'requests.jsonl')], {}, dir);
    url = await monitor.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor('several results per check', () => (monitor.output().match(/ (PASS|FAIL|SLOW) /g) ?? []).length >= 16);
    // The Chromium that ships in the project's devDependencies: the test runs on a bare machine.
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    expect(await monitor?.stop()).toBe(0);
    await demo?.close();
    await searchService?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders every check, its state, a chart and failure reasons', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${url}/`);
    const cards = page.locator('article.card');
    expect(await cards.count()).toBe(4);
    // Passing, or Slow (passed, above degradedMs) when the machine is busy.
    expect(await page.locator('#check-health .badge').textContent()).toMatch(/Passing|Slow/);
    expect(await page.locator('#check-search .badge').textContent()).toContain('Failing');
    expect(await page.locator('#check-search .reason').textContent()).toMatch(/404/);
    expect(await page.locator('#check-https-certificate .stats').textContent()).toMatch(/\d+ days left/);
    // A latency chart: an svg with drawn paths for p50 and p95.
    const d = await page.locator('#check-health svg.chart path.chart-p95').getAttribute('d');
    expect(d).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+/);
    expect(await page.locator('#check-health svg.chart').getAttribute('aria-label')).toMatch(/latest p50 \d+ ms, p95 \d+ ms/);
    // Failing first: the list of failing checks, then the failing service, then the rest.
    expect(await page.locator('#failing-now h2').textContent()).toMatch(/^Failing now \(\d+\)$/);
    expect(await page.locator('#failing-now li a').first().getAttribute('href')).toBe('#check-search');
    expect(await page.locator('section.service h2').allTextContents()).toEqual([expect.stringContaining('search'), expect.stringContaining('demo-shop')]);
    // The up/down timeline draws failures: the failing check has red stretches, drawn as SVG.
    expect(Number(await page.locator('#check-search svg.timeline').getAttribute('data-down'))).toBeGreaterThan(0);
    expect(await page.locator('#check-search .since').textContent()).toMatch(/^Failing since \d\d:\d\d:\d\d UTC/);
    // The summary counts what the cards show (search always; others only if the machine stalled them).
    const failing = (await page.locator('article.card .badge').allTextContents()).filter((t) => t.includes('Failing')).length;
    expect(failing).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#overall').textContent()).toMatch(new RegExp(`^${failing} of 4 checks failing`));
    // Nothing loaded from anywhere but the monitor itself.
    expect(requests.every((r) => r.startsWith(url))).toBe(true);
    await page.locator('#failures-search summary').click();
    expect(await page.locator('#failures-search li').first().textContent()).toMatch(/assertion/);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/status-page.png', fullPage: true });
    await page.close();
  });

  it('updates live, announces changes politely, and works from the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true });
    await page.goto(`${url}/`);
    const before = await page.locator('#overall time').getAttribute('datetime');
    let updated = before;
    for (let i = 0; i < 100 && updated === before; i++) {
      await page.waitForTimeout(100);
      updated = await page.locator('#overall time').getAttribute('datetime');
    }
    expect(updated).not.toBe(before);
    expect(await page.locator('#live').getAttribute('aria-live')).toBe('polite');
    // The first Tab reaches the skip link, which moves focus to the checks.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to checks');
    await page.keyboard.press('Enter');
    // Following the link is a navigation the browser finishes on its own time: wait for it
    // (bounded) rather than read the URL in the same instant.
    await page.waitForURL((u) => u.hash === '#main', { timeout: 5000 });
    expect(new URL(page.url()).hash).toBe('#main');
    // Narrow screens: cards take the full width, nothing scrolls sideways.
    expect(await page.evaluate(() => {
      // This project's type-check has no DOM library; the page's globals are typed here.
      const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return g.document.documentElement.scrollWidth <= g.innerWidth;
    })).toBe(true);
    await page.screenshot({ path: 'test-artifacts/status-page-phone.png', fullPage: false });
    await page.close();
  });

  it('serves the JSON API', async () => {
    const status = (await (await fetch(`${url}/api/status`)).json()) as {
      summary: { checks: number; failing: number };
      services: { name: string; checks: { target: string; uptime24h: number | null; uptime24hCoveredMs: number | null; uptime7dCoveredMs: number | null; state: string }[] }[];
    };
    expect(status.summary.checks).toBe(4);
    const search = status.services.find((s) => s.name === 'search')!.checks[0]!;
    expect(search).toMatchObject({ target: 'search', state: 'failing', uptime24h: 0 });
    // The monitor has run for seconds: its "24 h" and "7 d" figures cover only that, and say so.
    expect(search.uptime24hCoveredMs).toBeGreaterThan(0);
    expect(search.uptime24hCoveredMs).toBeLessThan(3600_000);
    expect(search.uptime7dCoveredMs).toBe(search.uptime24hCoveredMs);
    const html = await (await fetch(`${url}/`)).text();
    expect(html).toMatch(/Uptime 24&nbsp;h<\/dt><dd>[\d.]+% <span class="over">over \d+ (s|min)<\/span>/);
    expect(html).toMatch(/Uptime 7&nbsp;d<\/dt><dd>[\d.]+% <span class="over">over \d+ (s|min)<\/span>/);
    const history = (await (await fetch(`${url}/api/checks/health/history?hours=1`)).json()) as { checkId: string; targets: { points: { ok: boolean }[]; series: unknown[] }[] };
    expect(history.checkId).toBe('health');
    expect(history.targets[0]!.points.length).toBeGreaterThan(2);
    expect((await fetch(`${url}/api/checks/nope/history`)).status).toBe(404);
    // The console notifier announced the failing check's alarm and its service's, once each.
    expect(monitor.output().match(/\[ALARM\] Search answers \(search, local\) failing in local/g)).toHaveLength(1);
    expect(monitor.output().match(/\[ALARM\] service search service down in local/g)).toHaveLength(1);
    expect((await fetch(`${url}/api/checks/health/history?hours=abc`)).status).toBe(400);
    // A malformed escape is a 400, and the monitor keeps serving afterwards.
    const malformed = await fetch(`${url}/api/checks/%E0%A4%A/history`);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe('invalid_check_id');
    expect((await fetch(`${url}/api/status`)).status).toBe(200);
  });

  it('flips a card when its check changes state, without a reload, and announces it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${url}/`);
    const badge = page.locator('#check-search .badge');
    expect(await badge.textContent()).toContain('Failing');
    expect(await page.locator('#check-search .reason').count()).toBe(1);
    // A marker on the window: a reload would drop it.
    await page.evaluate(() => {
      (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    searchStatus = 200;
    // Generous limits: the next run, its result event and the fragment fetch all have to happen
    // on a possibly loaded machine. Slow (passed above degradedMs) is a pass too.
    await page.locator('#check-search .badge', { hasText: /Passing|Slow/ }).waitFor({ timeout: 30_000 });
    await expect.poll(async () => page.locator('#live').textContent(), { timeout: 30_000 }).toMatch(/Search answers is now (passing|slow)\./);
    expect(await page.locator('#check-search .reason').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
    await page.close();
  });
});
