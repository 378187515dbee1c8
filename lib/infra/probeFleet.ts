// The facade: `new ProbeFleet(app, 'Fleet', { fleet })` builds every stack of a probe fleet.
//   <prefix>-probes-<region>[-n]  probe functions and schedules, one stack (or more) per region
//   <prefix>-home                 KMS key, pager/chat topics, subscriptions, heartbeats, notify
//   <prefix>-alarms-<n>           per-target alarms, packed so no stack nears 500 resources
//   <prefix>-services             per-service composites (what pages and rolls back), dashboards
// Alarm stacks reach the topics by their deterministic ARNs and the services stack names its
// child alarms by name, so no CloudFormation exports tie the stacks together; explicit stack
// dependencies give CloudFormation the order.
import { Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmName } from '../alerting/naming.js';
import { ConfigError } from '../config/errors.js';
import { namespaceOf } from '../config/resolve.js';
import { validateFleet } from '../config/validate.js';
import { deployLimitDiagnostics } from '../config/validateAlerting.js';
import { parseSchedule } from '../config/schedule.js';
import { freezeFleet, FROZEN_FLEET_FILE, serializeFrozenFleet } from '../lambda/frozenFleet.js';
import { planShards, type Shard } from '../lambda/shards.js';
import type { Fleet } from '../model/fleet.js';
import { needsNotifyFunction } from '../notify/notifyConfig.js';
import type { AlarmContext, AlarmRoutes } from './alarmContext.js';
import { availabilityAlarm } from './availabilityAlarm.js';
import { certificateAlarms } from './certificateAlarms.js';
import { availabilityNames, checksDashboard, overviewDashboard } from './dashboard.js';
import { deadLetterAlarm } from './deadLetterAlarm.js';
import { heartbeatAlarm } from './heartbeatAlarm.js';
import { probeCodeProps, type BundlingMode } from './lambdaCode.js';
import { latencyAlarms } from './latencyAlarm.js';
import { notifyFunction, type NotifyResources } from './notifyFunction.js';
import {
  chunk,
  dashboardName,
  MAX_ALARMS_PER_COMPOSITE,
  dashboardUrl,
  defaultStackPrefix,
  packTargets,
  planTargets,
  servicesOf,
  stackSafe,
  TARGETS_PER_DASHBOARD_PAGE,
  type TargetPlan,
} from './plan.js';
import { ProbeStack } from './probeStack.js';
import { secretNamesIn } from './secretArns.js';
import { serviceAlarm, serviceAlarmKey, serviceGroups } from './serviceAlarms.js';
import { fleetTopics, subscriptionDeadLettersName, topicArnIn, type FleetTopics } from './topics.js';

/** 6 resources per shard (function, role, log group, rule, permission, invoke config): 70 shards stay under 450. */
export const MAX_SHARDS_PER_PROBE_STACK = 70;
/**
 * An alarm with its description and math is about 3 KB of template: 150 alarms (and at most
 * 450 metric references) per stack, with that stack's dashboard pages, stay well under
 * CloudFormation's 1 MB template limit and its 500 resources.
 */
export const DEFAULT_MAX_ALARMS_PER_STACK = 150;
export const MAX_METRIC_REFS_PER_STACK = 450;

export interface ProbeFleetProps {
  /** A fleet definition; the constructor validates it and throws a ConfigError listing every problem. */
  fleet: Fleet;
  /** Check targets per Lambda invocation (default: lib/lambda/shards.ts). */
  maxChecksPerShard?: number;
  /** Retention of the probe and notify log groups (default one month). */
  logRetention?: RetentionDays;
  /** Prefix of stack, topic, function and dashboard names (default `probe-fleet-<fleet>`). */
  stackPrefix?: string;
  /** `esbuild` bundles the Lambda code (default); `skip` synthesizes placeholders for measuring templates — never deploy those. */
  bundling?: BundlingMode;
  maxAlarmsPerStack?: number;
  /** Period of a cron schedule in seconds (default: the shortest gap between its firings). */
  cronPeriod?: (expression: string) => number;
}

/** Shortest gap between a cron expression's firings (lib/config/schedule.ts); hourly if unparseable. */
function cronPeriodSeconds(expression: string): number {
  const parsed = parseSchedule(expression);
  return parsed.ok ? parsed.schedule.periodSeconds : 3600;
}

/** Composite alarms per services stack: far below 450 with room for nested parts. */
export const MAX_COMPOSITES_PER_SERVICES_STACK = 300;

/** Packs services, in fleet order, by the composites each needs (one, plus parts beyond 100 members). */
function packServices<T extends { own: readonly TargetPlan[] }>(services: readonly T[]): T[][] {
  const packs: T[][] = [[]];
  let count = 0;
  for (const service of services) {
    const critical = service.own.filter((t) => t.check.severity === 'critical').length;
    const members = critical > 0 ? critical : service.own.length;
    const composites = 1 + (members > MAX_ALARMS_PER_COMPOSITE ? Math.ceil(members / MAX_ALARMS_PER_COMPOSITE) : 0);
    const current = packs[packs.length - 1]!;
    if (current.length > 0 && count + composites > MAX_COMPOSITES_PER_SERVICES_STACK) {
      packs.push([service]);
      count = composites;
    } else {
      current.push(service);
      count += composites;
    }
  }
  return packs;
}

export class ProbeFleet extends Construct {
  readonly fleet: Fleet;
  readonly prefix: string;
  readonly shards: Shard[];
  readonly probeStacks: ProbeStack[] = [];
  readonly homeStack: Stack;
  readonly alarmStacks: Stack[] = [];
  /** The first services stack: composites and the overview dashboard. */
  readonly servicesStack: Stack;
  readonly servicesStacks: Stack[] = [];
  readonly topics: FleetTopics;
  readonly notify: NotifyResources | undefined;
  /**
   * The composite alarms that page and that deployments roll back on, keyed by service, or
   * by `<service>.<environment>` for a service whose checks run against several environments.
   */
  readonly serviceAlarms: Record<string, IAlarm> = {};
  /** Per service, the environments of its composites (one entry when it has a single composite). */
  private readonly serviceEnvironments = new Map<string, string[]>();
  /** Every stack this construct created. */
  readonly stacks: Stack[] = [];

  /**
   * Throws a ConfigError listing every problem of `props.fleet` (the CLI's validation, then
   * the limits CloudWatch would only enforce at deploy time) before any resource is made:
   * a fleet built in code, or imported without lib/config/loadFleet.ts, gets the same errors.
   */
  constructor(scope: Construct, id: string, props: ProbeFleetProps) {
    super(scope, id);
    const validation = validateFleet(props.fleet);
    const diagnostics = validation.ok ? deployLimitDiagnostics(props.fleet) : validation.diagnostics;
    if (diagnostics.length > 0) throw new ConfigError(diagnostics);
    const fleet = props.fleet;
    this.fleet = fleet;
    this.prefix = stackSafe(props.stackPrefix ?? defaultStackPrefix(fleet));
    const prefix = this.prefix;
    const bundling = props.bundling ?? 'esbuild';
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const namespace = namespaceOf(fleet);
    const metrics = { namespace, fleet: fleet.name };
    this.shards = planShards(fleet, {
      ...(props.maxChecksPerShard !== undefined ? { maxChecksPerShard: props.maxChecksPerShard } : {}),
      cronPeriod: props.cronPeriod ?? cronPeriodSeconds,
    });

    // Regional probe stacks.
    for (const region of fleet.regions) {
      const regionShards = this.shards.filter((s) => s.region === region);
      if (regionShards.length === 0) continue;
      const frozen = freezeFleet(fleet, region, regionShards);
      const files = { [FROZEN_FLEET_FILE]: serializeFrozenFleet(frozen) };
      const code = () => probeCodeProps(bundling, files);
      // Per shard: its checks, the environments it runs them against, and the defaults.
      const secretNames = (shard: Shard): string[] => {
        const checkIds = new Set(shard.targets.map((t) => t.checkId));
        const environments = new Set(shard.targets.map((t) => t.environment));
        return secretNamesIn(
          frozen.fleet.checks.filter((c) => checkIds.has(c.id)),
          Object.entries(frozen.fleet.environments).filter(([name]) => environments.has(name)),
          frozen.fleet.defaults,
        );
      };
      const parts = chunk(regionShards, MAX_SHARDS_PER_PROBE_STACK);
      parts.forEach((shards, i) => {
        const suffix = parts.length > 1 ? `-${i + 1}` : '';
        const stack = new ProbeStack(this, `Probes-${region}${suffix}`, {
          stackName: `${prefix}-probes-${region}${suffix}`,
          description: `probe-fleet ${fleet.name}: probes in ${region}${parts.length > 1 ? ` (part ${i + 1} of ${parts.length})` : ''}`,
          region,
          namespace,
          shards,
          secretNames,
          code,
          logRetention,
          functionPrefix: prefix,
        });
        this.probeStacks.push(stack);
      });
    }

    // Home: topics, heartbeats, notify.
    const env = { region: fleet.homeRegion };
    const overviewUrl = dashboardUrl(fleet.homeRegion, dashboardName(prefix, 0));
    this.homeStack = new Stack(this, 'Home', { stackName: `${prefix}-home`, env, description: `probe-fleet ${fleet.name}: on-call topics and fleet heartbeats` });
    this.topics = fleetTopics(this.homeStack, fleet, prefix);
    const homeRoutes: AlarmRoutes = { pager: new SnsAction(this.topics.pager), chat: new SnsAction(this.topics.chat) };
    const homeCtx: AlarmContext = { scope: this.homeStack, metrics, fleet: fleet.name, routes: homeRoutes };
    const heartbeatRegions = fleet.regions.filter((region) => heartbeatAlarm(homeCtx, region, this.shards.filter((s) => s.region === region), overviewUrl) !== null);
    this.notify = needsNotifyFunction(fleet)
      ? notifyFunction(this.homeStack, {
          fleet,
          prefix,
          topics: this.topics,
          routes: homeRoutes,
          dashboardUrl: overviewUrl,
          bundling,
          logRetention,
          subscriptionDeadLetters: this.topics.deadLetters,
        })
      : undefined;
    deadLetterAlarm(homeCtx, this.topics.deadLetters, subscriptionDeadLettersName(prefix), 'subscription-dead-letters', `Deliveries from the ${fleet.name} alarm topics to their subscribers`, overviewUrl);

    // Per-target alarms, packed into as many stacks as needed; each stack also carries the
    // dashboard pages of its targets, so no single template grows with the fleet.
    const targets = planTargets(fleet);
    const packs = packTargets(targets, { maxAlarms: props.maxAlarmsPerStack ?? DEFAULT_MAX_ALARMS_PER_STACK, maxMetricRefs: MAX_METRIC_REFS_PER_STACK });
    const pagesOfPack = packs.map((pack) => chunk(pack, TARGETS_PER_DASHBOARD_PAGE));
    const pageCount = pagesOfPack.reduce((n, pages) => n + pages.length, 0);
    const availabilityName = new Map<TargetPlan, string>();
    let page = 0;
    packs.forEach((pack, i) => {
      const stack = new Stack(this, `Alarms-${i + 1}`, { stackName: `${prefix}-alarms-${i + 1}`, env, description: `probe-fleet ${fleet.name}: check alarms and dashboards, part ${i + 1}` });
      stack.addStackDependency(this.homeStack, 'alarm actions publish to the home topics');
      const ctx: AlarmContext = { scope: stack, metrics, fleet: fleet.name, routes: this.routesIn(stack) };
      for (const pageTargets of pagesOfPack[i] ?? []) {
        page++;
        const url = dashboardUrl(fleet.homeRegion, dashboardName(prefix, page));
        for (const t of pageTargets) {
          availabilityName.set(t, availabilityAlarm(ctx, t, url).name);
          latencyAlarms(ctx, fleet, t, url);
          certificateAlarms(ctx, t, url);
        }
        checksDashboard(stack, { fleet, prefix, metrics, page, pageCount, targets: pageTargets });
      }
      this.alarmStacks.push(stack);
    });

    // Services: composites and dashboards.
    // Services: composites (packed so that thousands of services still fit) and the overview.
    const serviceTargets = servicesOf(fleet).flatMap((service) => serviceGroups(service, targets.filter((t) => t.check.service === service)));
    const servicePacks = packServices(serviceTargets);
    const overview: { service: string; alarmName: string; availabilityAlarmNames: string[] }[] = [];
    const compositeNames = new Map<string, string>();
    servicePacks.forEach((pack, i) => {
      const suffix = i === 0 ? '' : `-${i + 1}`;
      const stack = new Stack(this, `Services${suffix}`, { stackName: `${prefix}-services${suffix}`, env, description: `probe-fleet ${fleet.name}: per-service alarms${i === 0 ? ' and the overview dashboard' : ''}` });
      for (const dependency of [this.homeStack, ...this.alarmStacks]) stack.addStackDependency(dependency, 'composites name the check alarms');
      const ctx: AlarmContext = { scope: stack, metrics, fleet: fleet.name, routes: this.routesIn(stack) };
      for (const { service, environment, own } of pack) {
        const key = serviceAlarmKey(service, environment);
        const name = alarmName({ fleet: fleet.name, kind: 'service', subject: key });
        const clash = compositeNames.get(name);
        if (clash !== undefined) {
          // deployLimitDiagnostics catches plain service clashes; this one needs an environment
          // suffix to collide (service "a.prod" beside service "a" in environment prod).
          const index = fleet.checks.findIndex((c) => c.service === service);
          throw new ConfigError([
            {
              path: `checks[${index}].service`,
              expected: `a service whose alarm name differs from '${clash}'s (alarm names keep only letters, digits, '_', '.' and '-')`,
              received: `'${key}' → ${name}`,
              message: `two service alarms would share one name: expected a service whose alarm name differs from '${clash}'s, received '${key}' → ${name}`,
            },
          ]);
        }
        compositeNames.set(name, key);
        const alarm = serviceAlarm(ctx, { service, environment, targets: own.map((plan) => ({ plan, availabilityAlarmName: availabilityName.get(plan) ?? '' })) }, overviewUrl);
        this.serviceAlarms[key] = alarm;
        const environments = this.serviceEnvironments.get(service) ?? [];
        environments.push(environment ?? own[0]?.environment ?? '');
        this.serviceEnvironments.set(service, environments);
        overview.push({ service: environment === undefined ? service : `${service} (${environment})`, alarmName: name, availabilityAlarmNames: availabilityNames(fleet.name, own) });
      }
      this.servicesStacks.push(stack);
    });
    this.servicesStack = this.servicesStacks[0]!;
    overviewDashboard(this.servicesStack, {
      fleet,
      prefix,
      metrics,
      pageCount,
      services: overview,
      heartbeatAlarmNames: heartbeatRegions.map((region) => alarmName({ fleet: fleet.name, kind: 'heartbeat', subject: region })),
    });

    this.stacks.push(...this.probeStacks, this.homeStack, ...this.alarmStacks, ...this.servicesStacks);
  }

  /**
   * The composite alarm of a service: pass it to LambdaDeploymentGroup, ECS deploymentAlarms
   * or CodeDeploy. A service whose checks run against several environments has one per
   * environment, and `environment` must name it; for a single-environment service it is
   * optional (and, when given, must be that environment).
   */
  serviceAlarm(service: string, environment?: string): IAlarm {
    const environments = this.serviceEnvironments.get(service);
    if (!environments) {
      throw new Error(`serviceAlarm: expected one of the fleet's services (${[...this.serviceEnvironments.keys()].join(', ')}), received '${service}'`);
    }
    const single = this.serviceAlarms[service];
    if (single && environments.length === 1) {
      if (environment === undefined || environment === environments[0]) return single;
      throw new Error(`serviceAlarm: service '${service}' runs against environment ${environments[0] ?? ''} only, received environment '${environment}'`);
    }
    if (environment === undefined) {
      throw new Error(`serviceAlarm: service '${service}' has one alarm per environment (${environments.join(', ')}); expected an environment, received none`);
    }
    const alarm = this.serviceAlarms[serviceAlarmKey(service, environment)];
    if (!alarm) throw new Error(`serviceAlarm: expected one of the environments of service '${service}' (${environments.join(', ')}), received '${environment}'`);
    return alarm;
  }

  private routesIn(stack: Stack): AlarmRoutes {
    return {
      pager: new SnsAction(Topic.fromTopicArn(stack, 'PagerTopic', topicArnIn(stack, this.prefix, 'pager'))),
      chat: new SnsAction(Topic.fromTopicArn(stack, 'ChatTopic', topicArnIn(stack, this.prefix, 'chat'))),
    };
  }
}
