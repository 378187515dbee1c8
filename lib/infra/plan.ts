// Pure planning of what the CDK app builds: targets, names, how alarms and dashboards
// are split. No aws-cdk-lib here, so the arithmetic is testable on its own and the
// construct factories only translate a plan into resources.
import { alarmPolicyFor, type CheckAlarmPolicy } from '../alerting/policy.js';
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

/** Dashboard names: letters, digits, dashes and underscores. */
export function dashboardName(prefix: string, page: number): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, '-');
  return page === 0 ? base : `${base}-checks-${page}`;
}

export function dashboardUrl(homeRegion: string, name: string): string {
  return `https://${homeRegion}.console.aws.amazon.com/cloudwatch/home?region=${homeRegion}#dashboards/dashboard/${name}`;
}

/** Targets per dashboard page: 3 widgets each keeps a page well under CloudWatch's 500 widgets and quick to load. */
export const TARGETS_PER_DASHBOARD_PAGE = 40;

/** Alarm resources one target needs; used to pack targets into home alarm stacks. */
export function alarmCountOf(target: TargetPlan): number {
  const groups = regionGroups(target.regions);
  const availability =
    groups.length === 1 ? 1 : 1 + groups.reduce((n, g) => n + Math.min(g.length, target.policy.availability.quorum), 0);
  const latency = target.policy.latency ? groups.length : 0;
  const certificate = target.policy.certificate ? 2 * groups.length : 0;
  return availability + latency + certificate;
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
 * Packs targets into stacks in fleet order. The caps are on alarms and metric references
 * rather than on the 450-resource rule alone, because alarm descriptions and math make
 * templates heavy and CloudFormation also caps a template at 1 MB.
 */
export function packTargets(targets: readonly TargetPlan[], limits: PackLimits): TargetPlan[][] {
  const packs: TargetPlan[][] = [];
  let current: TargetPlan[] = [];
  let alarms = 0;
  let refs = 0;
  for (const target of targets) {
    const n = alarmCountOf(target);
    const r = metricRefsOf(target);
    if (current.length > 0 && (alarms + n > limits.maxAlarms || refs + r > limits.maxMetricRefs)) {
      packs.push(current);
      current = [];
      alarms = 0;
      refs = 0;
    }
    current.push(target);
    alarms += n;
    refs += r;
  }
  if (current.length > 0) packs.push(current);
  return packs;
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
