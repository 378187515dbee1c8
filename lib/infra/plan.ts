// Pure planning of what the CDK app builds: targets, names, how alarms and dashboards
// are split. No aws-cdk-lib here, so the arithmetic is testable on its own and the
// construct factories only translate a plan into resources.
import { alarmPolicyFor, environmentPages, type CheckAlarmPolicy } from '../alerting/policy.js';
import { checkTarget } from '../alerting/naming.js';
import { resolveSettings } from '../config/resolve.js';
import type { Check, Fleet } from '../model/fleet.js';

/** A CloudWatch metric-math alarm may reference at most this many metrics. */
export const MAX_METRICS_PER_MATH_ALARM = 10;
/** A composite alarm rule may reference at most this many alarms. */
export const MAX_ALARMS_PER_COMPOSITE = 100;
/** CloudFormation accepts 500 resources per stack; the rest is headroom for metadata and growth. */
export const MAX_RESOURCES_PER_STACK = 450;

/** One check against one environment: the unit of metrics and alarms. */
export interface TargetPlan {
  /** The `Check` dimension and alarm subject (see checkTarget). */
  target: string;
  check: Check;
  environment: string;
  regions: string[];
  policy: CheckAlarmPolicy;
  /** Whether the environment's critical alarms page (Environment.pages, default production/prod). */
  pages: boolean;
}

export function planTargets(fleet: Fleet): TargetPlan[] {
  const targets: TargetPlan[] = [];
  for (const check of fleet.checks) {
    const settings = resolveSettings(fleet, check);
    const policy = alarmPolicyFor(fleet, check);
    for (const environment of settings.environments) {
      targets.push({
        target: checkTarget(check.id, environment, settings.environments.length),
        check,
        environment,
        regions: settings.regions,
        policy,
        pages: environmentPages(fleet, environment),
      });
    }
  }
  return targets;
}

/** Splits a list into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Regions in groups small enough for one metric-math alarm, balanced so that 11 regions
 * become 6 + 5 rather than 10 + 1.
 */
export function regionGroups(regions: readonly string[]): string[][] {
  const count = Math.ceil(regions.length / MAX_METRICS_PER_MATH_ALARM);
  if (count <= 1) return [regions.slice()];
  const size = Math.ceil(regions.length / count);
  return chunk(regions, size);
}

/**
 * Every way to reach `quorum` failures from per-group failure counts: tuples k[g] with
 * 0 ≤ k[g] ≤ groupSize[g] and Σk = quorum. "At least q regions fail" is then the OR over
 * tuples of the AND over groups of "group g has at least k[g] failures".
 */
export function quorumCompositions(groupSizes: readonly number[], quorum: number): number[][] {
  const out: number[][] = [];
  const walk = (g: number, left: number, acc: number[]): void => {
    if (g === groupSizes.length) {
      if (left === 0) out.push(acc.slice());
      return;
    }
    const size = groupSizes[g] ?? 0;
    for (let k = Math.min(size, left); k >= 0; k--) {
      acc.push(k);
      walk(g + 1, left - k, acc);
      acc.pop();
    }
  };
  walk(0, quorum, []);
  return out;
}

/** CloudFormation stack names: letters, digits and dashes, starting with a letter. */
export function stackSafe(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9-]/g, '-').replace(/-+/g, '-');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `p-${cleaned}`;
}

export function defaultStackPrefix(fleet: Fleet): string {
  return stackSafe(`probe-fleet-${fleet.name}`);
}

/**
 * Dashboard names: letters, digits, dashes and underscores. No page is the overview's first
 * page; `checks-<bucket>[-<part>]` a per-check page, `overview-<n>` a further overview page.
 */
export function dashboardName(prefix: string, page?: string): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, '-');
  return page === undefined ? base : `${base}-${page}`;
}

/**
 * The per-check pages of alarm bucket `bucket` (0-based) are named after the bucket, not after
 * a running page number: a page number would shift when an earlier bucket gains a page, and
 * the dashboard would then have to move into another stack.
 */
export function checksPageSuffix(bucket: number, part: number): string {
  return part === 0 ? `checks-${bucket + 1}` : `checks-${bucket + 1}-${part + 1}`;
}

export function overviewPageSuffix(page: number): string | undefined {
  return page === 0 ? undefined : `overview-${page + 1}`;
}

export function dashboardUrl(homeRegion: string, name: string): string {
  return `https://${homeRegion}.console.aws.amazon.com/cloudwatch/home?region=${homeRegion}#dashboards/dashboard/${name}`;
}

/** Targets per dashboard page: 3 widgets each keeps a page well under CloudWatch's 500 widgets and quick to load. */
export const TARGETS_PER_DASHBOARD_PAGE = 40;
/** CloudWatch refuses a dashboard with more widgets than this. */
export const MAX_WIDGETS_PER_DASHBOARD = 500;

/** Alarm resources one target needs; used to pack targets into home alarm stacks. */
export function alarmCountOf(target: TargetPlan): number {
  const groups = regionGroups(target.regions);
  const availability = groups.length === 1 ? 1 : 1 + availabilityChildrenOf(target);
  const latency = target.policy.latency ? groups.length : 0;
  // Certificate alarms are per endpoint, not per target (lib/infra/certificateAlarms.ts).
  return availability + latency;
}

/**
 * Child alarms of an availability composite beyond 10 regions: per group one per "at least k
 * failing" (k ≤ quorum), and with a quorum above the minimum one "no region passed" per group.
 */
export function availabilityChildrenOf(target: Pick<TargetPlan, 'regions' | 'policy'>): number {
  const groups = regionGroups(target.regions);
  if (groups.length === 1) return 0;
  const { quorum, minFailingRegions } = target.policy.availability;
  return groups.reduce((n, g) => n + Math.min(g.length, quorum), 0) + (quorum > minFailingRegions ? groups.length : 0);
}

/** Metric references of a target's alarms: what makes alarm templates heavy. */
export function metricRefsOf(target: TargetPlan): number {
  return alarmCountOf(target) * Math.min(target.regions.length, MAX_METRICS_PER_MATH_ALARM);
}

export interface PackLimits {
  maxAlarms: number;
  maxMetricRefs: number;
}

/**
 * FNV-1a, then murmur3's finalizer so that the low bits — all that `mod 2^k` keeps — depend
 * on every character. Stable across runs, machines and Node versions.
 */
export function stableHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Average share of a cap a bucket is sized for. Hashing does not balance exactly: at half the
 * cap, a bucket that overflows is a many-sigma event even for 64 buckets of a few dozen items.
 */
export const BUCKET_FILL = 0.5;
/** Beyond this many buckets something is wrong with the caps, not with the hash. */
const MAX_BUCKETS = 1 << 16;

export interface Bucket<T> {
  /** 0-based; stack names carry it, so it never depends on other buckets. */
  index: number;
  /** In input order. */
  items: T[];
}

export interface Placement<T> {
  /** A power of two: the size class. Empty buckets are left out of `buckets`. */
  bucketCount: number;
  buckets: Bucket<T>[];
}

/**
 * Places items into buckets by a hash of their key, so adding or removing one item moves no
 * other item: names fixed by the item (alarm, dashboard, function) stay in the same stack.
 *
 * The bucket count is the smallest power of two that keeps the average load at BUCKET_FILL
 * of every cap; it changes only when the fleet crosses such a size class. If the hash still
 * puts more than a cap into one bucket, the count doubles until nothing does (a bucket of one
 * item over the cap is accepted: no placement can split it). With a power of two, the next
 * size class sends each item either to the same bucket `i` or to `i + count`, never elsewhere
 * (see bucketParent).
 */
export function placeByHash<T>(items: readonly T[], key: (item: T) => string, load: (item: T) => readonly number[], caps: readonly number[]): Placement<T> {
  if (items.length === 0) return { bucketCount: 1, buckets: [] };
  const loads = items.map(load);
  const hashes = items.map((item) => stableHash(key(item)));
  const totals = caps.map((_, d) => loads.reduce((n, l) => n + (l[d] ?? 0), 0));
  let count = 1;
  while (count < MAX_BUCKETS && totals.some((total, d) => total > count * (caps[d] ?? Infinity) * BUCKET_FILL)) count *= 2;
  for (; count <= MAX_BUCKETS; count *= 2) {
    const byIndex = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const index = (hashes[i] ?? 0) % count;
      const members = byIndex.get(index) ?? [];
      members.push(i);
      byIndex.set(index, members);
    }
    const overflows = [...byIndex.values()].some(
      (members) => members.length > 1 && caps.some((cap, d) => members.reduce((n, i) => n + (loads[i]?.[d] ?? 0), 0) > cap),
    );
    if (!overflows) {
      const buckets = [...byIndex.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, members]) => ({ index, items: members.map((i) => items[i]!) }));
      return { bucketCount: count, buckets };
    }
  }
  throw new Error(`placeByHash: expected ${items.length} item(s) to fit caps ${caps.join('/')} in at most ${MAX_BUCKETS} buckets, received loads totalling ${totals.join('/')}; not retryable`);
}

/**
 * Every bucket below the size class, empty ones included, in index order. A bucket can empty
 * while its old stack still holds items: when the size class grows (all its items moved to
 * `i + count`), or when its items left the fleet in the same edit that shrank the class. The CDK
 * never deletes a stack that leaves the app
 * (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html), so every bucket keeps a
 * stack and an update empties it.
 */
export function allBuckets<T>(placement: Placement<T>): Bucket<T>[] {
  if (placement.buckets.length === 0) return [];
  const byIndex = new Map(placement.buckets.map((b) => [b.index, b]));
  return Array.from({ length: placement.bucketCount }, (_, index) => byIndex.get(index) ?? { index, items: [] });
}

/**
 * The bucket whose stack must deploy before bucket `index`'s: `index` without its highest bit.
 * When the size class doubles, items only move from bucket i to bucket i + count, whose
 * parent is i; deploying i first deletes the moved resources before i + count creates them
 * under the same names, instead of failing with "already exists".
 */
export function bucketParent(index: number): number | undefined {
  if (index <= 0) return undefined;
  return index - 2 ** Math.floor(Math.log2(index));
}

/** Composites one service group needs: its own, plus nested parts beyond 100 members. */
export function compositesOf(group: { own: readonly TargetPlan[] }): number {
  const critical = group.own.filter((t) => t.check.severity === 'critical').length;
  const members = critical > 0 ? critical : group.own.length;
  return 1 + (members > MAX_ALARMS_PER_COMPOSITE ? Math.ceil(members / MAX_ALARMS_PER_COMPOSITE) : 0);
}

/** Every service group (serviceGroups) of the targets, services in the order targets name them. */
export function serviceGroupsOf(targets: readonly TargetPlan[]): ServiceGroup[] {
  const services = [...new Set(targets.map((t) => t.check.service))];
  return services.flatMap((service) => serviceGroups(service, targets.filter((t) => t.check.service === service)));
}

/** Alarms (metric and composite) one service group puts into its stack. */
export function groupAlarmCount(group: ServiceGroup): number {
  return group.own.reduce((n, t) => n + alarmCountOf(t), 0) + compositesOf(group);
}

/**
 * Places whole service groups — a service composite together with every alarm of its targets —
 * into alarm stacks by a hash of the composite's key (see placeByHash). Together, because a
 * composite must be updated before an alarm it names is deleted (CloudWatch refuses to delete
 * an alarm a composite names:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html) and
 * created after it (PutCompositeAlarm needs the named alarms to exist). Within one stack
 * CloudFormation updates the composite in its update phase and deletes the removed alarm only in
 * its cleanup phase, and a dependency orders creation and deletion
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html).
 * Across stacks no single order serves both adding and removing a check.
 * The caps are on alarms and metric references rather than on the 450-resource rule alone,
 * because alarm descriptions and math make templates heavy and CloudFormation also caps a
 * template at 1 MB.
 */
export function placeServiceGroups(targets: readonly TargetPlan[], limits: PackLimits): Placement<ServiceGroup> {
  return placeByHash(
    serviceGroupsOf(targets),
    (g) => serviceAlarmKey(g.service, g.environment),
    (g) => [groupAlarmCount(g), g.own.reduce((n, t) => n + metricRefsOf(t), 0)],
    [limits.maxAlarms, limits.maxMetricRefs],
  );
}

/** The targets of each alarm stack: those of the service groups placed there (placeServiceGroups). */
export function placeTargets(targets: readonly TargetPlan[], limits: PackLimits): Placement<TargetPlan> {
  const placement = placeServiceGroups(targets, limits);
  const position = new Map(targets.map((t, i) => [t, i]));
  const inFleetOrder = (items: TargetPlan[]): TargetPlan[] => items.sort((x, y) => (position.get(x) ?? 0) - (position.get(y) ?? 0));
  return { bucketCount: placement.bucketCount, buckets: placement.buckets.map((b) => ({ index: b.index, items: inFleetOrder(b.items.flatMap((g) => g.own)) })) };
}

/** The targets of each non-empty alarm stack, in bucket order (what the cost estimate counts pages from). */
export function packTargets(targets: readonly TargetPlan[], limits: PackLimits): TargetPlan[][] {
  return placeTargets(targets, limits).buckets.map((b) => b.items);
}

/**
 * Splits the overview's service sections into dashboard pages of at most `limit` widgets.
 * Section i is a heading plus `statusWidgets[i]` alarm-status widgets; `first` widgets open
 * page 0 and `header` widgets every further page. A section moves whole to the next page
 * when it fits there; only one too large for any page is cut, each piece under its own
 * heading. Returns per page the slices [section, first status widget, status widget count].
 */
export function paginateSections(statusWidgets: readonly number[], first: number, header: number, limit = MAX_WIDGETS_PER_DASHBOARD): [number, number, number][][] {
  if (first > limit || header + 2 > limit) throw new RangeError(`paginateSections: expected page headers that leave room under ${limit} widgets, received ${first} (first page) and ${header} (others)`);
  const pages: [number, number, number][][] = [[]];
  let used = first;
  statusWidgets.forEach((size, section) => {
    let start = 0;
    for (;;) {
      const room = limit - used - 1; // after this slice's heading
      const left = size - start;
      if (left > room && (left <= limit - header - 1 || room < 1)) {
        pages.push([]);
        used = header;
        continue;
      }
      const take = Math.min(left, room);
      pages[pages.length - 1]!.push([section, start, take]);
      used += 1 + take;
      start += take;
      if (start >= size) break;
    }
  });
  return pages;
}

/** Every distinct service, in the order checks name them. */
export function servicesOf(fleet: Fleet): string[] {
  return [...new Set(fleet.checks.map((c) => c.service))];
}

export interface ServiceGroup<T extends { environment: string } = TargetPlan> {
  service: string;
  /** Undefined when the service's targets all run against one environment. */
  environment: string | undefined;
  own: T[];
}

/**
 * The composites of one service: one over all its targets when they share one environment,
 * else one per environment (in the order the targets come). Shared with the cost estimate.
 */
export function serviceGroups<T extends { environment: string }>(service: string, own: readonly T[]): ServiceGroup<T>[] {
  const environments = [...new Set(own.map((t) => t.environment))];
  if (environments.length <= 1) return [{ service, environment: undefined, own: [...own] }];
  return environments.map((environment) => ({ service, environment, own: own.filter((t) => t.environment === environment) }));
}

/**
 * Subject of a service composite and its key in `ProbeFleet.serviceAlarms`: the service, or
 * `<service>.<environment>`. Environment names never contain a dot, so the last dot splits
 * the two even when the service name has dots (lib/notify/alarmEvent.ts reads it so).
 */
export function serviceAlarmKey(service: string, environment: string | undefined): string {
  return environment === undefined ? service : `${service}.${environment}`;
}
