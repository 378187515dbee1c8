// The CDK app's entry: an invalid fleet definition stops it before any synthesis with
// every diagnostic and the file's path; a valid one synthesizes with cdk-nag clean.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_CONTEXT_KEY, runCdkApp } from '../../lib/infra/index.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BAD = `import { defineFleet } from 'probe-fleet';
export default defineFleet({
  name: 'bad', homeRegion: 'eu-west-1', regions: ['eu-west-1'],
  environments: { production: { baseUrl: 'https://x.example.com' } },
  checks: [{ id: 'Not Valid', kind: 'http', name: 'n', service: 's', owner: 'o', runbook: 'https://r.example.com', rollbackNote: 'r', expect: 'e', severity: 'critical', url: '/', schedule: '7m' }],
});
`;

const GOOD = `import { defineFleet } from 'probe-fleet';
export default defineFleet({
  name: 'good', homeRegion: 'eu-west-1', regions: ['eu-west-1'],
  environments: { production: { baseUrl: 'https://x.example.com' } },
  alerting: { chat: { emails: ['a@example.com'] } },
  checks: [{ id: 'health', kind: 'http', name: 'Health', service: 'api', owner: 'team-api', runbook: 'https://r.example.com', rollbackNote: 'roll back', expect: '200', severity: 'critical', url: '/health' }],
});
`;

// Valid value by value, but CloudWatch would refuse it at deploy time.
const LIMITS = `import { defineFleet } from 'probe-fleet';
export default defineFleet({
  name: 'limits', homeRegion: 'eu-west-1', regions: ['eu-west-1'],
  environments: { production: { baseUrl: 'https://x.example.com' } },
  checks: [{ id: 'health', kind: 'http', name: 'Health', service: '${'s'.repeat(240)}', owner: 'o', runbook: 'https://r.example.com', rollbackNote: 'r', expect: '200', severity: 'critical', url: '/health', schedule: '15m', alarm: { evaluationPeriods: 100 } }],
});
`;

const limitsFile = join(dir, 'limits.config.ts');
writeFileSync(limitsFile, LIMITS);
const badFile = join(dir, 'bad.config.ts');
const goodFile = join(dir, 'good.config.ts');
writeFileSync(badFile, BAD);
writeFileSync(goodFile, GOOD);

describe('bin/app.ts', () => {
  it('stops before synthesis on an invalid fleet, naming the file and every problem', async () => {
    const app = new App({ outdir: join(dir, 'out-bad'), context: { [CONFIG_CONTEXT_KEY]: badFile } });
    let stderr = '';
    const code = await runCdkApp({ app, cwd: dir, stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain(badFile);
    expect(stderr).toContain('checks[0].id');
    expect(stderr).toContain('checks[0].schedule');
    expect(app.node.children).toHaveLength(0);
  });

  it('stops on deploy-time limits as config errors: the paths, no stack trace', async () => {
    const app = new App({ outdir: join(dir, 'out-limits'), context: { [CONFIG_CONTEXT_KEY]: limitsFile } });
    let stderr = '';
    const code = await runCdkApp({ app, cwd: dir, stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toContain(limitsFile);
    expect(stderr).toContain('checks[0].alarm.evaluationPeriods: CloudWatch rejects the availability alarm of check health');
    expect(stderr).toContain('checks[0].service: alarm name too long');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(app.node.children).toHaveLength(0);
  });

  it('synthesizes a valid fleet with real bundles and cdk-nag clean', { timeout: 180_000 }, async () => {
    const app = new App({ outdir: join(dir, 'out-good'), context: { [CONFIG_CONTEXT_KEY]: 'good.config.ts' } });
    const code = await runCdkApp({ app, cwd: dir, stderr: (t) => expect.fail(t) });
    expect(code).toBe(0);
    const fleet = app.node.findChild('ProbeFleet');
    // Fleet health per region, probes, home, check alarms with their service composites, one
    // certificate alarm pair per TLS endpoint, the overview; each placed kind also keeps the empty
    // bucket of the next size class up (-2), which a fleet shrinking back empties.
    expect(fleet.node.children.map((c) => c.node.id)).toEqual(['Health-eu-west-1', 'Probes-eu-west-1', 'Probes-eu-west-1-2', 'Home', 'Alarms-1', 'Alarms-2', 'Certificates', 'Certificates-2', 'Services']);
  });

  it('the built entry point exits non-zero with the path in its message', () => {
    const entry = resolve(import.meta.dirname, '../../dist/bin/app.js');
    expect(existsSync(entry), 'build first: npm run build').toBe(true);
    const run = spawnSync(process.execPath, [entry], {
      cwd: dir,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ [CONFIG_CONTEXT_KEY]: badFile }), CDK_OUTDIR: join(dir, 'out-bin') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(badFile);
    expect(run.stderr).toContain('Invalid fleet definition');
  });
});
