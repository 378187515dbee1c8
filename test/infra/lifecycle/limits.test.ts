// Limits a deploy would hit are config errors with a path before anything is synthesized, and
// the placeholder bundle cannot reach a deploy by accident.
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config/errors.js';
import { deployLimitDiagnostics, MAX_ALARMS_PER_SERVICE_GROUP } from '../../../lib/config/validateAlerting.js';
import { bundlingModeOf, INTERNAL_SKIP_BUNDLING } from '../../../lib/infra/lambdaCode.js';
import { ProbeFleet } from '../../../lib/infra/probeFleet.js';
import type { Fleet } from '../../../lib/model/fleet.js';
import { httpCheck } from '../synth.js';

const fleetOf = (checkCount: number, overrides: Partial<Fleet> = {}): Fleet => ({
  name: 'limits',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
  environments: { production: { baseUrl: 'https://shop.example.com' } },
  checks: Array.from({ length: checkCount }, (_, i) => httpCheck(`c-${i}`, { maxMs: 1000 })),
  ...overrides,
});

describe('deploy limits as config errors', () => {
  it('a service whose alarms would not fit one stack is an error at its checks[i].service', () => {
    // Availability and latency per check: 151 checks give 302 alarms and a composite.
    const diagnostics = deployLimitDiagnostics(fleetOf(151));
    expect(diagnostics.map((d) => d.path)).toEqual(['checks[0].service']);
    expect(diagnostics[0]!.message).toContain(`at most ${MAX_ALARMS_PER_SERVICE_GROUP} alarms`);
    expect(deployLimitDiagnostics(fleetOf(140))).toEqual([]);
  });

  it('a fleet name of 100 characters is an error at name (topic display names, stack names)', () => {
    const fleet = fleetOf(1, { name: 'n'.repeat(100) });
    expect(deployLimitDiagnostics(fleet).map((d) => d.path)).toEqual(['name', 'name']);
    expect(() => new ProbeFleet(new App(), 'Fleet', { fleet, bundling: 'skip' })).toThrow(ConfigError);
  });

  it('a stackPrefix that makes a stack name longer than 128 characters is an error at stackPrefix', () => {
    // With the default prefix the topic display names bind first (fleet names of at most 87 characters).
    const fleet = fleetOf(1, { name: 'n'.repeat(87), regions: ['ap-southeast-1'], homeRegion: 'ap-southeast-1' });
    expect(deployLimitDiagnostics(fleet)).toEqual([]);
    expect(() => new ProbeFleet(new App(), 'Fleet', { fleet, bundling: 'skip' })).not.toThrow();
    try {
      new ProbeFleet(new App(), 'Fleet', { fleet, bundling: 'skip', stackPrefix: 'p'.repeat(101) });
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).diagnostics.map((d) => d.path)).toEqual(['stackPrefix']);
      expect((error as ConfigError).diagnostics[0]!.message).toContain('-probes-ap-southeast-1-65536 (129 characters)');
    }
  });
});

describe("bundling: 'skip'", () => {
  it('is refused outside a test run, with the path bundling', () => {
    const refused = bundlingModeOf({ bundling: 'skip' }, {});
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).diagnostics.map((d) => d.path)).toEqual(['bundling']);
  });

  it('is allowed in a test run and through the internal entry point; esbuild always', () => {
    expect(bundlingModeOf({ bundling: 'skip' }, { VITEST: 'true' })).toBe('skip');
    expect(bundlingModeOf({ [INTERNAL_SKIP_BUNDLING]: true }, {})).toBe('skip');
    expect(bundlingModeOf({}, {})).toBe('esbuild');
  });
});
