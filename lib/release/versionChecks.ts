// `verify --expect-version`: read each service's deployed version once per environment through
// the runner (so the read obeys the same guards, headers, rate limit and request log as every
// other check), then judge it here, where a mismatch becomes its own failure kind.
import type { Check, Fleet, HttpCheck } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';

/** Marks the checks this module adds, so their results can be told from the fleet's own. */
export interface VersionProbe {
  check: HttpCheck;
  service: string;
  path: string;
  jsonPath: string;
}

/**
 * One version read per service among the selected checks that has a version source.
 * Ids are `version-<service>`, made unique against the fleet's own ids.
 */
export function versionProbes(fleet: Fleet, selected: readonly Check[], expected: string): VersionProbe[] {
  const taken = new Set(fleet.checks.map((c) => c.id));
  const probes: VersionProbe[] = [];
  const services = [...new Set(selected.map((c) => c.service))];
  for (const service of services) {
    const source = fleet.versions?.[service];
    if (!source) continue;
    const owner = selected.find((c) => c.service === service)!;
    const slug = service.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'service';
    let id = `version-${slug}`;
    for (let n = 2; taken.has(id); n++) id = `version-${slug}-${n}`;
    taken.add(id);
    probes.push({
      service,
      path: source.path,
      jsonPath: source.jsonPath,
      check: {
        kind: 'http',
        id,
        name: `${service} reports version ${expected}`,
        service,
        owner: owner.owner,
        runbook: owner.runbook,
        rollbackNote: owner.rollbackNote,
        expect: `${source.path} reports ${source.jsonPath} == ${JSON.stringify(expected)}: the new release is what is serving`,
        severity: 'critical',
        method: 'GET',
        url: source.path,
        assertions: [
          { type: 'status', min: 200, max: 299 },
          { type: 'json', path: source.jsonPath, exists: true },
        ],
      },
    });
  }
  return probes;
}

/** The version a passing read saw: the JSON value at the path, as text. */
export function reportedVersion(result: CheckResult, probe: VersionProbe): string | undefined {
  const seen = result.assertions.find((a) => a.description === probe.jsonPath && a.ok);
  if (!seen) return undefined;
  try {
    const value: unknown = JSON.parse(seen.actual);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    // The runner shortens long values; a version that long is still shown as it was seen.
    return seen.actual;
  }
}

/** Turns a successful read of the wrong version into a `version_mismatch` failure. */
export function judgeVersion(result: CheckResult, probe: VersionProbe, expected: string): CheckResult {
  if (!result.ok) return result;
  const version = reportedVersion(result, probe);
  if (version === undefined) return result;
  if (version === expected) return { ...result, version };
  return {
    ...result,
    version,
    ok: false,
    degraded: false,
    flaky: false,
    assertions: [
      ...result.assertions,
      { description: `${probe.path} ${probe.jsonPath}`, ok: false, expected: JSON.stringify(expected), actual: JSON.stringify(version) },
    ],
    failure: {
      kind: 'version_mismatch',
      message: `service ${probe.service} at ${probe.path} ${probe.jsonPath}: expected version ${JSON.stringify(expected)}, received ${JSON.stringify(version)}; the deploy did not roll out here. Running again will not help until it has`,
      retryable: false,
    },
  };
}
