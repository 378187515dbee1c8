// The synthetic User-Agent can be set per fleet (a WAF allow-list), yet still names
// probe-fleet, and a check's own headers cannot replace it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFleet } from '../../lib/config/validate.js';
import { runCheck } from '../../lib/runner/runCheck.js';
import { packageVersion } from '../../lib/runner/userAgent.js';
import { startHttpServer } from '../support/servers.js';
import type { StartedHttpServer } from '../support/servers.js';
import { validFleet } from '../config/validFleet.js';
import { fleetOf, httpCheck, optionsFor } from './helpers.js';

let server: StartedHttpServer;
const agents: (string | undefined)[] = [];

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    agents.push(req.headers['user-agent']);
    res.end('ok');
  });
});

afterAll(async () => {
  await server.close();
});

describe('defaults.userAgent', () => {
  const version = packageVersion();
  const table: { name: string; configured?: string; sent: string }[] = [
    { name: 'unset: the probe-fleet default', sent: `probe-fleet/${version} (+synthetic)` },
    { name: 'a value naming probe-fleet is sent as is', configured: 'probe-fleet-acme/1.0 (+waf-allow)', sent: 'probe-fleet-acme/1.0 (+waf-allow)' },
    { name: 'any other value gets probe-fleet appended', configured: 'Acme-Synthetics/2.1', sent: `Acme-Synthetics/2.1 probe-fleet/${version}` },
  ];
  for (const row of table) {
    it(row.name, async () => {
      agents.length = 0;
      const check = httpCheck('/', { headers: { 'User-Agent': 'curl/8.0' } });
      const fleet = fleetOf([check], { prod: { baseUrl: server.url } }, row.configured === undefined ? {} : { defaults: { userAgent: row.configured } });
      const result = await runCheck({ check, environment: 'prod' }, optionsFor(fleet));
      expect(result.ok).toBe(true);
      expect(agents).toEqual([row.sent]);
    });
  }

  it('refuses a value that is not a header value, naming the path', () => {
    const result = validateFleet({ ...validFleet(), defaults: { userAgent: 'Acme\r\nX-Injected: 1' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => d.path)).toContain('defaults.userAgent');
  });
});
