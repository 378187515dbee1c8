// The fleet definition frozen into a Lambda bundle at synth/build time. Environment
// variables hold 4 KB; a fleet is bigger, so it travels as `fleet.json` next to the handler.
// Secrets stay references ({ $secret }): values are only ever resolved at run time.
// CA certificate files are read in as `{ pem }`: no path on the build machine exists in Lambda.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaSource, Fleet } from '../model/fleet.js';
import { caPemProblem } from '../config/caPem.js';
import { namespaceOf, resolveSettings } from '../config/resolve.js';
import { alarmPolicyFor, DEFAULT_CERT_DAYS } from '../alerting/policy.js';
import { firstCronMinuteOfDay } from './firstRunOfDay.js';
import { certificateEndpoints } from '../publish/cloudwatch/certificateEndpoints.js';
import type { Shard } from './shards.js';
import type { FrozenTraffic } from './trafficPlan.js';
import { frozenTraffic, planTraffic } from './trafficPlan.js';

export const FROZEN_FLEET_FILE = 'fleet.json';
export const FROZEN_FLEET_FORMAT = 1;

export interface FrozenFleet {
  format: typeof FROZEN_FLEET_FORMAT;
  /** Fleet name: the `Fleet` metric dimension. */
  name: string;
  /** Where metrics are published, whatever region the probe runs in. */
  homeRegion: string;
  /** CloudWatch namespace (default `ProbeFleet`). */
  namespace: string;
  /** The region this bundle probes from. */
  region: string;
  /** The fleet with only the checks that run in `region`. */
  fleet: Fleet;
  /** The shards of `region`. */
  shards: Shard[];
  /**
   * Days remaining at or below which a certificate's days are published on every run, not only
   * on the first run of the UTC day: the largest certificate alarm threshold of the region's
   * checks (the alerting policy itself stays out of the bundle). Absent in older bundles.
   */
  certificateWarningDays?: number;
  /** Per cron shard id: the minute of the UTC day of its first run (firstRunOfDay.ts). Absent in older bundles. */
  firstRunMinuteOfDay?: Record<string, number>;
  /**
   * Per check id and environment: the TLS endpoints (`host:port`) its certificate is published
   * under, derived at build time with the alarms' own function, so the bundle needs no URL logic
   * and probe and alarms cannot disagree. Targets without one are left out; absent in older bundles.
   */
  certificateEndpoints?: Record<string, Record<string, string[]>>;
  /**
   * Per shard: its start offset and its share of each origin's rate limit, planned over every
   * shard of every region (trafficPlan.ts). Absent in older bundles: every run then gets the
   * whole limit and starts at once, as before.
   */
  traffic?: FrozenTraffic;
}

export class FrozenFleetError extends Error {
  readonly kind = 'frozen_fleet_invalid';
  readonly retryable = false;
}

/** A CA certificate file's PEM text, checked to hold certificates only; files are relative to the working directory. */
function inlineCaFiles<T extends { caCertificates?: CaSource[] }>(owner: T, where: string): T {
  if (!owner.caCertificates?.some((source) => 'file' in source)) return owner;
  const caCertificates = owner.caCertificates.map((source, i): CaSource => {
    if (!('file' in source)) return source;
    const path = `${where}.caCertificates[${i}].file`;
    let pem: string;
    try {
      pem = readFileSync(source.file, 'utf8');
    } catch (error) {
      throw new FrozenFleetError(`${path} '${source.file}': expected a readable PEM file to freeze into the bundle, ${(error as Error).message}; fix the path (relative to the working directory) and build again`);
    }
    const problem = caPemProblem(pem);
    if (problem) throw new FrozenFleetError(`${path} '${source.file}': expected PEM text with CERTIFICATE blocks and nothing else, received ${problem}; nothing was bundled`);
    return { pem };
  });
  return { ...owner, caCertificates };
}

/**
 * The largest certificate threshold (chat or pager) of any check in the list, so that no alarm
 * waits a day for a value below its threshold; the default chat threshold when none sees a certificate.
 */
export function certificateWarningDays(fleet: Fleet, checks: readonly Fleet['checks'][number][]): number {
  let days: number | null = null;
  for (const check of checks) {
    const policy = alarmPolicyFor(fleet, check).certificate;
    if (policy) days = Math.max(days ?? -Infinity, policy.chatDays, policy.pagerDays);
  }
  return days ?? DEFAULT_CERT_DAYS.chat;
}

function endpointsOf(fleet: Fleet, checks: readonly Fleet['checks'][number][]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const check of checks) {
    for (const environment of resolveSettings(fleet, check).environments) {
      const endpoints = certificateEndpoints(fleet, check, environment);
      if (endpoints.length > 0) (out[check.id] ??= {})[environment] = endpoints;
    }
  }
  return out;
}

/**
 * Expects an already validated fleet (lib/config validation runs before any build or synth).
 * `allShards` must be the whole fleet's shards, every region's: each run's share of an origin's
 * limit is computed over all of them. `shards` may be all of them or the region's.
 */
export function freezeFleet(fleet: Fleet, region: string, shards: Shard[], allShards: readonly Shard[] = shards): FrozenFleet {
  const environments = Object.fromEntries(Object.entries(fleet.environments).map(([name, environment]) => [name, inlineCaFiles(environment, `environments.${name}`)]));
  const checks = fleet.checks.filter((check) => resolveSettings(fleet, check).regions.includes(region)).map((check) => inlineCaFiles(check, `check '${check.id}'`));
  // Probes never page: alerting (integration URLs, chat channels) and release plans stay out of
  // every region's bundle, so they are not copied where no code reads them.
  const { alerting: _alerting, release: _release, ...probed } = fleet;
  const frozen: FrozenFleet = {
    format: FROZEN_FLEET_FORMAT,
    name: fleet.name,
    homeRegion: fleet.homeRegion,
    namespace: namespaceOf(fleet),
    region,
    fleet: { ...probed, environments, checks },
    shards: shards.filter((shard) => shard.region === region),
    certificateWarningDays: certificateWarningDays(fleet, checks),
    certificateEndpoints: endpointsOf(fleet, checks),
    traffic: frozenTraffic(planTraffic(fleet, allShards), shards.filter((shard) => shard.region === region)),
    firstRunMinuteOfDay: Object.fromEntries(
      shards.filter((shard) => shard.region === region).flatMap((shard) => {
        const minute = firstCronMinuteOfDay(shard.schedule);
        return minute === undefined ? [] : [[shard.id, minute] as const];
      }),
    ),
  };
  // A round trip through JSON is what the bundle will see; doing it here turns a
  // non-serialisable value (a function, a RegExp) into a build error, not a runtime surprise.
  return JSON.parse(JSON.stringify(frozen)) as FrozenFleet;
}

export function serializeFrozenFleet(frozen: FrozenFleet): string {
  return `${JSON.stringify(frozen)}\n`;
}

export function parseFrozenFleet(text: string, source = FROZEN_FLEET_FILE): FrozenFleet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FrozenFleetError(`${source}: expected JSON, received unparseable text (${(error as Error).message}); rebuild the bundle`);
  }
  const frozen = value as Partial<FrozenFleet> | null;
  if (typeof frozen !== 'object' || frozen === null || frozen.format !== FROZEN_FLEET_FORMAT) {
    throw new FrozenFleetError(
      `${source}: expected a frozen fleet of format ${FROZEN_FLEET_FORMAT}, received format ${String(frozen?.format)}; rebuild the bundle with this version`,
    );
  }
  for (const key of ['name', 'homeRegion', 'namespace', 'region'] as const) {
    if (typeof frozen[key] !== 'string') {
      throw new FrozenFleetError(`${source}: expected '${key}' to be a string, received ${typeof frozen[key]}; rebuild the bundle`);
    }
  }
  if (frozen.certificateWarningDays !== undefined && (typeof frozen.certificateWarningDays !== 'number' || !Number.isFinite(frozen.certificateWarningDays))) {
    throw new FrozenFleetError(`${source}: expected 'certificateWarningDays' to be a number, received ${JSON.stringify(frozen.certificateWarningDays)}; rebuild the bundle`);
  }
  if (!Array.isArray(frozen.shards) || typeof frozen.fleet !== 'object' || !Array.isArray(frozen.fleet.checks)) {
    throw new FrozenFleetError(`${source}: expected 'fleet.checks' and 'shards' arrays; rebuild the bundle`);
  }
  return frozen as FrozenFleet;
}

/** Reads `fleet.json` from a directory (the directory of the handler file in a bundle). */
export async function loadFrozenFleet(dir: string): Promise<FrozenFleet> {
  const path = join(dir, FROZEN_FLEET_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FrozenFleetError(`${FROZEN_FLEET_FILE}: expected it next to the handler, could not read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); the bundle is incomplete`);
  }
  return parseFrozenFleet(text, FROZEN_FLEET_FILE);
}
