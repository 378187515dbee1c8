// How the product finds and starts Chromium for browser checks. The binary ships inside the
// @sparticuz/chromium npm package (brotli-compressed, unpacked to the temp directory on first
// use), so a plain `npm install` brings a browser on a laptop, in CI and in Lambda alike;
// playwright-core drives it. PROBE_FLEET_CHROMIUM names another executable (a distribution's
// chromium) for machines where that is preferred.
import type { Browser } from 'playwright-core';
import { ProbeFailure } from './failure.js';

/** Starts a browser, or hands out one already running (a run, a warm Lambda container). */
export interface BrowserProvider {
  browser(): Promise<Browser>;
  /** Closes what this provider launched; a no-op for a browser someone else owns. */
  close(): Promise<void>;
}

/**
 * Headless flags for containers and Lambda: no sandbox (Lambda and most CI run without user
 * namespaces), no GPU, and nothing that phones home, so the only traffic is the journey's.
 */
export const BROWSER_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
];

const PACKAGE = '@sparticuz/chromium';
const PLAYWRIGHT: string = 'playwright-core';

/** The executable: PROBE_FLEET_CHROMIUM, else the one unpacked from @sparticuz/chromium. */
export async function chromiumExecutablePath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const override = env.PROBE_FLEET_CHROMIUM;
  if (override !== undefined && override !== '') return override;
  let packaged: { default: { executablePath(input?: string): Promise<string> } };
  try {
    packaged = (await import(PACKAGE)) as typeof packaged;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProbeFailure(
      'internal',
      `browser checks need Chromium: expected the ${PACKAGE} package installed (it ships the browser) or PROBE_FLEET_CHROMIUM naming an executable, received neither (${reason}); a retry will not help until one is installed`,
      false,
    );
  }
  return packaged.default.executablePath();
}

/**
 * A provider that launches one browser on first use and keeps it until `close()`: every
 * browser check of a run (or of a warm Lambda container's invocations) gets its own isolated
 * context in the same browser, which costs milliseconds instead of a launch (about a second).
 */
export function launchingBrowserProvider(env: NodeJS.ProcessEnv = process.env): BrowserProvider {
  let running: Promise<Browser> | undefined;
  return {
    browser() {
      running ??= (async () => {
        // Named through a variable so bundlers leave it out: the HTTP probe bundle must not carry
        // playwright-core (a browser shard gets it, with Chromium, from its layer).
        const { chromium } = (await import(PLAYWRIGHT)) as typeof import('playwright-core');
        const executablePath = await chromiumExecutablePath(env);
        return chromium.launch({ headless: true, executablePath, args: [...BROWSER_ARGS] });
      })().catch((error: unknown) => {
        running = undefined;
        throw error;
      });
      return running.then((browser) => {
        if (browser.isConnected()) return browser;
        // The browser crashed or was closed: the next check launches a fresh one.
        running = undefined;
        return this.browser();
      });
    },
    async close() {
      const pending = running;
      running = undefined;
      if (pending) await (await pending.catch(() => undefined))?.close();
    },
  };
}

/** A provider for a browser the caller launched and closes (tests, a shared pool). */
export function existingBrowserProvider(browser: Browser): BrowserProvider {
  return { browser: () => Promise.resolve(browser), close: () => Promise.resolve() };
}
