// The identity every synthetic request carries, so services can filter it out of
// user-facing metrics. The version comes from package.json, found by walking up from
// this module (it runs from lib/ in tests, dist/lib/ when built), or from the environment.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The package version. A bundle (the Lambda probe) has no package.json beside it, so
 * `PROBE_FLEET_VERSION` in the environment, when set, wins.
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  const fromEnv = process.env.PROBE_FLEET_VERSION;
  if (fromEnv) return (cached = fromEnv);
  cached = '0.0.0';
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      const candidate = join(dir, 'package.json');
      if (existsSync(candidate)) {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'probe-fleet' && pkg.version) {
          cached = pkg.version;
          break;
        }
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // A bundle without a package.json nearby still identifies itself, with 0.0.0.
  }
  return cached;
}

/**
 * The synthetic User-Agent: the fleet's `defaults.userAgent` when set (a WAF allow-list may
 * need a specific one), with ` probe-fleet/<version>` appended when it does not name
 * probe-fleet, so synthetic traffic stays recognisable; else `probe-fleet/<version> (+synthetic)`.
 */
export function userAgent(configured?: string): string {
  if (configured === undefined || configured === '') return `probe-fleet/${packageVersion()} (+synthetic)`;
  return /probe-fleet/i.test(configured) ? configured : `${configured} probe-fleet/${packageVersion()}`;
}

/** Headers on every synthetic request; applied last so a check cannot override them. */
export function syntheticHeaders(runId: string, configuredUserAgent?: string): Record<string, string> {
  return {
    'user-agent': userAgent(configuredUserAgent),
    'x-synthetic-request': 'true',
    'x-synthetic-run-id': runId,
  };
}
