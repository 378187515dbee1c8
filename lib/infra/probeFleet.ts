// The facade: `new ProbeFleet(app, 'Fleet', { fleet })` builds every stack of a probe fleet.
//   <prefix>-probes-<region>[-n]  probe functions and schedules, one stack (or more) per region
//   <prefix>-health-<region>      per region with probes (and home): the operator topic, its key,
//                                 the dead-letter queue, the region's fleet-health alarms
//   <prefix>-home                 KMS key, pager/chat topics, subscriptions, heartbeats, notify
//   <prefix>-alarms-<n>           per-target alarms and, beside them, the service composites
//                                 that name them (what pages and rolls back)
//   <prefix>-services             the fleet's one dashboard (pages beyond it only past 500 widgets)
//   empty bucket stacks           the next size class up of each placed kind, so shrinking empties them
// Whatever spans several stacks is placed by a hash of its own name (lib/infra/plan.ts,
// placeByHash), so adding or removing a check never moves another one's named resources
// into a different stack.
// Alarm stacks reach the topics by their deterministic ARNs and the services stack names its
// child alarms by name, so no CloudFormation exports tie the stacks together; explicit stack
// dependencies give CloudFormation the order.
import { CfnResource, CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Metric, type Dashboard, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmName } from '../alerting/naming.js';
import { ConfigError } from '../config/errors.js';
import { namespaceOf } from '../config/resolve.js';
import { validateFleet } from '../config/validate.js';
import { deployLimitDiagnostics, STACK_NAME_TOO_LONG, stackNameDiagnostics } from '../config/validateAlerting.js';
import { parseSchedule } from '../config/schedule.js';
import { freezeFleet, FROZEN_FLEET_FILE, serializeFrozenFleet } from '../lambda/frozenFleet.js';
import { planShards, type Shard } from '../lambda/shards.js';
import type { Fleet } from '../model/fleet.js';
import { needsNotifyFunction } from '../notify/notifyConfig.js';
import type { AlarmContext, AlarmRoutes } from './alarmContext.js';
import { availabilityAlarm } from './availabilityAlarm.js';
import { certificateAlarmNames, certificateAlarms } from './certificateAlarms.js';
import { planCertificateEndpoints } from '../alerting/certificateEndpoints.js';
import { availabilityNames, overviewDashboard } from './dashboard.js';
import { deadLetterAlarm } from './deadLetterAlarm.js';
import { heartbeatAlarm } from './heartbeatAlarm.js';
import { regionHealthAlarms, secretLookupAlarm, shardFailureAlarm, shardSilenceAlarm, type HealthContext } from './fleetHealthAlarms.js';
import { fleetHealthDeadLettersArn, fleetHealthDeadLettersName, operatorResources, operatorRoute, operatorSlackChannels, operatorTopicArn } from './fleetHealthTopic.js';
import { bundlingModeOf, probeCodeProps, type BundlingMode, type INTERNAL_SKIP_BUNDLING } from './lambdaCode.js';
import { latencyAlarms } from './latencyAlarm.js';
import { notifyFunction, type NotifyResources } from './notifyFunction.js';
import {
  allBuckets,
  bucketParent,
  dashboardName,
  dashboardUrl,
  defaultStackPrefix,
  placeByHash,
  placeServiceGroups,
  stableHash,
  planTargets,
  servicesOf,
  stackSafe,
  type TargetPlan,
} from './plan.js';
import { ProbeStack } from './probeStack.js';
import { secretNamesIn } from '../config/secretsUsed.js';
import { serviceAlarm, serviceAlarmKey, serviceGroups } from './serviceAlarms.js';
import { fleetTopics, subscriptionDeadLettersName, topicArnIn, type FleetTopics } from './topics.js';

/** Certificate alarms per certificates stack (2 per TLS endpoint), far below 450 resources. */
export const MAX_CERTIFICATE_ALARMS_PER_STACK = 300;
/**
 * 8 resources per shard (function, role, log group, rule, permission, invoke config, silence
 * and failure alarms): 55 shards stay under 450.
 */
export const MAX_SHARDS_PER_PROBE_STACK = 55;
/**
 * An alarm with its description and math is about 3 KB of template: 150 alarms (and at most
 * 450 metric references) per stack stay well under
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
  /**
   * `esbuild` bundles the Lambda code (default). `skip` (placeholders whose handler throws) is
   * refused with a ConfigError outside the project's tests; measureSynthesis reaches it internally.
   */
  bundling?: BundlingMode;
  /** Internal (measureSynthesis): skip bundling. Not exported from the package. */
  [INTERNAL_SKIP_BUNDLING]?: boolean;
  maxAlarmsPerStack?: number;
  /** Period of a cron schedule in seconds (default: the shortest gap between its firings). */
  cronPeriod?: (expression: string) => number;
  /**
   * Reserved concurrent executions of every probe function (an integer from 1). None by
   * default: reserving needs spare account concurrency (a new account has none), and runs of
   * a shard do not overlap anyway (lib/infra/probeFunction.ts). Set 1 to make overlap impossible.
   */
  reservedConcurrency?: number;
}

/** `reservedConcurrency` must be a positive integer; Lambda's account limit is checked at deploy. */
function reservedConcurrencyDiagnostics(value: number | undefined): ConfigError | null {
  if (value === undefined || (Number.isInteger(value) && value >= 1)) return null;
  return new ConfigError([
    {
      path: 'reservedConcurrency',
      expected: 'an integer of at least 1 (or nothing: no reservation)',
      received: String(value),
      message: `reserved concurrency of the probe functions: expected an integer of at least 1 (or nothing: no reservation), received ${String(value)}`,
    },
  ]);
}

/** Shortest gap between a cron expression's firings (lib/config/schedule.ts); hourly if unparseable. */
function cronPeriodSeconds(expression: string): number {
  const parsed = parseSchedule(expression);
  return parsed.ok ? parsed.schedule.periodSeconds : 3600;
}

/** Composite alarms per services stack: far below 450 with room for nested parts. */
export const MAX_COMPOSITES_PER_SERVICES_STACK = 300;


/**
 * Makes the stack of bucket `index` deploy after its parent bucket's (bucketParent), or the
 * nearest ancestor that has a stack: when the size class doubles, what leaves the parent is
 * then deleted before this stack creates it again under the same name.
 */
/**
 * A bucket stack left without items keeps one resource that does nothing, since CloudFormation
 * needs at least one resource in a template
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html).
 */
function keepDeployable(stack: Stack): void {
  if (!stack.node.findAll().some((c) => c instanceof CfnResource)) new CfnWaitConditionHandle(stack, 'EmptyBucket');
}

function dependOnParent(stacks: ReadonlyMap<number, Stack>, index: number, stack: Stack): void {
  for (let parent = bucketParent(index); parent !== undefined; parent = bucketParent(parent)) {
    const parentStack = stacks.get(parent);
    if (parentStack) {
      stack.addStackDependency(parentStack, 'a larger size class moves resources out of this stack into the dependent one');
      return;
    }
  }
}

export class ProbeFleet extends Construct {
  readonly fleet: Fleet;
  readonly prefix: string;
  readonly shards: Shard[];
  readonly probeStacks: ProbeStack[] = [];
  readonly homeStack: Stack;
  readonly alarmStacks: Stack[] = [];
  /** `<prefix>-certificates[-n]`: one pair of certificate alarms per TLS endpoint (none without TLS). */
  readonly certificateStacks: Stack[] = [];
  /** The first services stack: composites and the overview dashboard. */
  readonly servicesStack: Stack;
  readonly servicesStacks: Stack[] = [];
  /** The overview's pages (one unless it would pass CloudWatch's 500 widgets), in the services stack. */
  readonly overviewDashboards: Dashboard[];
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
  /** Per region with probes (and the home region): the operator topic, dead-letter queue and fleet-health alarms. */
  readonly healthStacks: Record<string, Stack> = {};
  /**
   * Per placed kind, the buckets of the next size class up (`count` to `2·count - 1`), empty.
   * When the fleet shrinks a size class, these are the stacks it shrinks out of: still in the
   * app, they deploy first and delete what moves down (see retiredTier).
   */
  readonly emptyBucketStacks: Stack[] = [];

  /**
   * Throws a ConfigError listing every problem of `props.fleet` (the CLI's validation, then
   * the limits CloudWatch would only enforce at deploy time) before any resource is made:
   * a fleet built in code, or imported without lib/config/loadFleet.ts, gets the same errors.
   */
  constructor(scope: Construct, id: string, props: ProbeFleetProps) {
    super(scope, id);
    const validation = validateFleet(props.fleet);
    // deployLimitDiagnostics checks stack names under the default prefix; a given stackPrefix
    // replaces that check with its own (below).
    const diagnostics = (validation.ok ? deployLimitDiagnostics(props.fleet) : validation.diagnostics).filter(
      (d) => props.stackPrefix === undefined || !(d.path === 'name' && d.message.startsWith(STACK_NAME_TOO_LONG)),
    );
    if (diagnostics.length > 0) throw new ConfigError(diagnostics);
    const concurrencyError = reservedConcurrencyDiagnostics(props.reservedConcurrency);
    if (concurrencyError) throw concurrencyError;
    const fleet = props.fleet;
    this.fleet = fleet;
    this.prefix = stackSafe(props.stackPrefix ?? defaultStackPrefix(fleet));
    const prefix = this.prefix;
    const nameDiagnostics = props.stackPrefix === undefined ? [] : stackNameDiagnostics(fleet, prefix, 'stackPrefix');
    if (nameDiagnostics.length > 0) throw new ConfigError(nameDiagnostics);
    const bundling = bundlingModeOf(props);
    if (bundling instanceof ConfigError) throw bundling;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const namespace = namespaceOf(fleet);
    const metrics = { namespace, fleet: fleet.name };
    this.shards = planShards(fleet, {
      ...(props.maxChecksPerShard !== undefined ? { maxChecksPerShard: props.maxChecksPerShard } : {}),
      cronPeriod: props.cronPeriod ?? cronPeriodSeconds,
    });

    // Fleet health, per region: the operator topic and dead-letter queue come first, since the
    // probe functions and their alarms name them.
    const overviewUrl = dashboardUrl(fleet.homeRegion, dashboardName(prefix));
    const operator = operatorRoute(fleet);
    const healthRegions = [...new Set([...fleet.regions.filter((region) => this.shards.some((s) => s.region === region)), fleet.homeRegion])];
    const healthContexts = new Map<string, HealthContext>();
    for (const region of healthRegions) {
      const stack = new Stack(this, `Health-${region}`, {
        stackName: `${prefix}-health-${region}`,
        env: { region },
        description: `probe-fleet ${fleet.name}: fleet-health alarms and the operator topic in ${region}`,
      });
      const resources = operatorResources(stack, fleet, prefix);
      const ctx: HealthContext = { scope: stack, fleet: fleet.name, namespace, operator: new SnsAction(resources.topic), owner: operator.owner, dashboardUrl: overviewUrl };
      if (this.shards.some((s) => s.region === region)) {
        regionHealthAlarms(ctx, region, {
          queueName: fleetHealthDeadLettersName(prefix),
          // By its literal name: the alarm reads as a plain metric, with no token in its dimensions.
          metric: new Metric({
            namespace: 'AWS/SQS',
            metricName: 'ApproximateNumberOfMessagesVisible',
            dimensionsMap: { QueueName: fleetHealthDeadLettersName(prefix) },
            statistic: 'Maximum',
            period: Duration.minutes(5),
          }),
        });
      }
      this.healthStacks[region] = stack;
      healthContexts.set(region, ctx);
    }
    const homeHealth = this.healthStacks[fleet.homeRegion]!;
    const homeHealthCtx = healthContexts.get(fleet.homeRegion)!;
    for (const region of healthRegions) {
      if (this.shards.some((s) => s.region === region)) secretLookupAlarm({ ...homeHealthCtx }, region);
    }
    operatorSlackChannels(homeHealth, fleet, prefix, healthRegions.map((region) => operatorTopicArn(homeHealth, prefix, region)));

    // One reference to the operator topic per stack that alarms to it.
    const operatorActions = new Map<Stack, SnsAction>();
    const operatorActionIn = (scope: Construct): SnsAction => {
      const stack = Stack.of(scope);
      let action = operatorActions.get(stack);
      if (!action) {
        action = new SnsAction(Topic.fromTopicArn(stack, 'OperatorTopic', operatorTopicArn(stack, prefix)));
        operatorActions.set(stack, action);
      }
      return action;
    };

    // Regional probe stacks.
    for (const region of fleet.regions) {
      const regionShards = this.shards.filter((s) => s.region === region);
      if (regionShards.length === 0) continue;
      const frozen = freezeFleet(fleet, region, regionShards, this.shards);
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
      // By a hash of the shard id: a new schedule's shards sort between existing ones, and
      // chunks in that order would move later functions (whose names are fixed) to another stack.
      const placement = placeByHash(regionShards, (shard) => shard.id, () => [1], [MAX_SHARDS_PER_PROBE_STACK]);
      const split = placement.bucketCount > 1;
      const byBucket = new Map<number, Stack>();
      for (const { index, items: shards } of allBuckets(placement)) {
        // Bucket 0 keeps the plain name: crossing the split then only moves shards out of the
        // existing stack into dependent ones (which deploy after it), instead of renaming the
        // stack whose functions, rules and alarms the new stacks would re-create by name.
        const suffix = index === 0 ? '' : `-${index + 1}`;
        const stack = new ProbeStack(this, `Probes-${region}${suffix}`, {
          stackName: `${prefix}-probes-${region}${suffix}`,
          description: `probe-fleet ${fleet.name}: probes in ${region}${split ? ` (bucket ${index + 1} of ${placement.bucketCount})` : ''}`,
          region,
          namespace,
          shards,
          secretNames,
          code,
          logRetention,
          functionPrefix: prefix,
          ...(props.reservedConcurrency !== undefined ? { reservedConcurrency: props.reservedConcurrency } : {}),
          deadLettersArn: fleetHealthDeadLettersArn(this.healthStacks[region]!, prefix),
          shardAlarms: (scope, shard, functionName, ruleName) => {
            const ctx: HealthContext = { ...healthContexts.get(region)!, scope, operator: operatorActionIn(scope) };
            shardSilenceAlarm(ctx, shard, functionName);
            shardFailureAlarm(ctx, shard, functionName, ruleName);
          },
        });
        stack.addStackDependency(this.healthStacks[region]!, 'probe functions record dropped runs in the region dead-letter queue; their alarms publish to the operator topic');
        dependOnParent(byBucket, index, stack);
        byBucket.set(index, stack);
        keepDeployable(stack);
        this.probeStacks.push(stack);
      }
      this.retiredTier(placement.bucketCount, byBucket, (index) => new Stack(this, `Probes-${region}-${index + 1}`, { stackName: `${prefix}-probes-${region}-${index + 1}`, env: { region }, description: `probe-fleet ${fleet.name}: empty probe bucket ${index + 1} in ${region}, kept so that a smaller fleet empties it` }));
    }

    // Home: topics, heartbeats, notify.
    const env = { region: fleet.homeRegion };
    this.homeStack = new Stack(this, 'Home', { stackName: `${prefix}-home`, env, description: `probe-fleet ${fleet.name}: on-call topics and fleet heartbeats` });
    this.topics = fleetTopics(this.homeStack, fleet, prefix);
    const homeRoutes: AlarmRoutes = { pager: new SnsAction(this.topics.pager), chat: new SnsAction(this.topics.chat) };
    const homeCtx: AlarmContext = { scope: this.homeStack, metrics, fleet: fleet.name, routes: homeRoutes };
    this.homeStack.addStackDependency(homeHealth, 'heartbeat and dead-letter alarms publish to the operator topic');
    const operatorAction = operatorActionIn(this.homeStack);
    // Alarms on the alerting pipeline itself (dead letters) go to the operator, on both keys.
    const operatorRoutes: AlarmRoutes = { pager: operatorAction, chat: operatorAction };
    const operatorCtx: AlarmContext = { ...homeCtx, routes: operatorRoutes };
    const heartbeatRegions = fleet.regions.filter((region) => heartbeatAlarm(homeCtx, region, this.shards.filter((s) => s.region === region), overviewUrl, operatorAction) !== null);
    this.notify = needsNotifyFunction(fleet)
      ? notifyFunction(this.homeStack, {
          fleet,
          prefix,
          topics: this.topics,
          routes: operatorRoutes,
          dashboardUrl: overviewUrl,
          bundling,
          logRetention,
          subscriptionDeadLetters: this.topics.deadLetters,
        })
      : undefined;
    deadLetterAlarm(operatorCtx, this.topics.deadLetters, subscriptionDeadLettersName(prefix), 'subscription-dead-letters', `Deliveries from the ${fleet.name} alarm topics to their subscribers`, overviewUrl);

    // Per-target alarms, placed by a hash of the target into as many stacks as the size class
    // needs, so no single template grows with the fleet. Their descriptions link the fleet's one
    // dashboard, whose Check variable shows any target (lib/infra/dashboard.ts).
    const targets = planTargets(fleet);
    // Two service composites under one name are a config error before any of them is built.
    const serviceTargets = servicesOf(fleet).flatMap((service) => serviceGroups(service, targets.filter((t) => t.check.service === service)));
    const compositeNames = new Map<string, string>();
    for (const { service, environment } of serviceTargets) {
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
    }
    // Each service group's composite lives in the same stack as the alarms it names
    // (placeServiceGroups): the stack updates the composite before it deletes a removed alarm.
    const placement = placeServiceGroups(targets, { maxAlarms: props.maxAlarmsPerStack ?? DEFAULT_MAX_ALARMS_PER_STACK, maxMetricRefs: MAX_METRIC_REFS_PER_STACK });
    const availabilityName = new Map<TargetPlan, string>();
    const alarmStackOf = new Map<number, Stack>();
    allBuckets(placement).forEach(({ index, items: groups }) => {
      const items = groups.flatMap((g) => g.own);
      const stack = new Stack(this, `Alarms-${index + 1}`, { stackName: `${prefix}-alarms-${index + 1}`, env, description: `probe-fleet ${fleet.name}: check alarms, bucket ${index + 1} of ${placement.bucketCount}` });
      stack.addStackDependency(this.homeStack, 'alarm actions publish to the home topics');
      dependOnParent(alarmStackOf, index, stack);
      alarmStackOf.set(index, stack);
      const ctx: AlarmContext = { scope: stack, metrics, fleet: fleet.name, routes: this.routesIn(stack) };
      const availabilityConstruct = new Map<TargetPlan, Construct>();
      for (const t of items) {
        const availability = availabilityAlarm(ctx, t, overviewUrl);
        availabilityName.set(t, availability.name);
        availabilityConstruct.set(t, availability.alarm);
        latencyAlarms(ctx, fleet, t, overviewUrl);
      }
      for (const { service, environment, own } of groups) {
        const key = serviceAlarmKey(service, environment);
        // The composite and its parts under one scope that depends on every member alarm: created
        // after them, and deleted before them when the whole group goes.
        const scope = new Construct(stack, `Service-${stackSafe(key)}-${stableHash(key).toString(16)}`);
        for (const plan of own) {
          const member = availabilityConstruct.get(plan);
          if (member) scope.node.addDependency(member);
        }
        this.serviceAlarms[key] = serviceAlarm({ ...ctx, scope }, { service, environment, targets: own.map((plan) => ({ plan, availabilityAlarmName: availabilityName.get(plan) ?? '' })) }, overviewUrl);
      }
      keepDeployable(stack);
      this.alarmStacks.push(stack);
    });

    this.retiredTier(placement.bucketCount, alarmStackOf, (index) => new Stack(this, `Alarms-${index + 1}`, { stackName: `${prefix}-alarms-${index + 1}`, env, description: `probe-fleet ${fleet.name}: empty alarm bucket ${index + 1}, kept so that a smaller fleet empties it` }));

    // Certificates: one pair of alarms per TLS endpoint, shared by every check that sees it,
    // placed by a hash of the endpoint; bucket 0 keeps the plain name so growing never renames it.
    const certificatePlacement = placeByHash(planCertificateEndpoints(fleet, targets), (p) => p.endpoint, () => [2], [MAX_CERTIFICATE_ALARMS_PER_STACK]);
    const certificateStackOf = new Map<number, Stack>();
    for (const { index, items } of allBuckets(certificatePlacement)) {
      const suffix = index === 0 ? '' : `-${index + 1}`;
      const stack = new Stack(this, `Certificates${suffix}`, { stackName: `${prefix}-certificates${suffix}`, env, description: `probe-fleet ${fleet.name}: certificate expiry alarms, one pair per TLS endpoint` });
      stack.addStackDependency(this.homeStack, 'alarm actions publish to the home topics');
      dependOnParent(certificateStackOf, index, stack);
      certificateStackOf.set(index, stack);
      const ctx: AlarmContext = { scope: stack, metrics, fleet: fleet.name, routes: this.routesIn(stack) };
      for (const plan of items) certificateAlarms(ctx, plan, overviewUrl);
      keepDeployable(stack);
      this.certificateStacks.push(stack);
    }
    this.retiredTier(certificatePlacement.bucketCount, certificateStackOf, (index) => new Stack(this, `Certificates-${index + 1}`, { stackName: `${prefix}-certificates-${index + 1}`, env, description: `probe-fleet ${fleet.name}: empty certificate bucket ${index + 1}, kept so that fewer endpoints empty it` }));

    // The services stack keeps the overview dashboard. It deploys before the alarm stacks: a
    // fleet that had its composites here (before they moved beside their member alarms) drops
    // them first, and the alarm stacks then create them under the same names. A dashboard whose
    // alarm widgets name alarms that do not exist yet is still created (PutDashboard returns only
    // warnings: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html).
    {
      const stack = new Stack(this, 'Services', { stackName: `${prefix}-services`, env, description: `probe-fleet ${fleet.name}: the overview dashboard` });
      stack.addStackDependency(this.homeStack, 'the overview shows the home alarms');
      for (const alarmStack of this.alarmStacks) alarmStack.addStackDependency(stack, 'composites that used to live in the services stack are deleted there before they are created here');
      this.servicesStacks.push(stack);
    }
    // In fleet order, whatever stack each composite landed in.
    for (const { service, environment, own } of serviceTargets) {
      const environments = this.serviceEnvironments.get(service) ?? [];
      environments.push(environment ?? own[0]?.environment ?? '');
      this.serviceEnvironments.set(service, environments);
    }
    const overview = serviceTargets.map(({ service, environment, own }) => ({
      service: environment === undefined ? service : `${service} (${environment})`,
      alarmName: alarmName({ fleet: fleet.name, kind: 'service', subject: serviceAlarmKey(service, environment) }),
      availabilityAlarmNames: availabilityNames(fleet.name, own),
    }));
    this.servicesStack = this.servicesStacks[0]!;
    this.overviewDashboards = overviewDashboard(this.servicesStack, {
      fleet,
      prefix,
      metrics,
      targets,
      certificateEndpoints: certificatePlacement.buckets.flatMap((b) => b.items).map((p) => p.endpoint),
      services: overview,
      heartbeatAlarmNames: heartbeatRegions.map((region) => alarmName({ fleet: fleet.name, kind: 'heartbeat', subject: region })),
      certificateAlarmNames: certificatePlacement.buckets.flatMap((b) => b.items).flatMap((p) => Object.values(certificateAlarmNames(fleet.name, p.endpoint))),
    });

    this.stacks.push(...Object.values(this.healthStacks), ...this.probeStacks, this.homeStack, ...this.alarmStacks, ...this.certificateStacks, ...this.servicesStacks, ...this.emptyBucketStacks);
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

  /**
   * Emits the buckets `count … 2·count - 1` as empty stacks, each deploying before the bucket
   * `index - count` its items return to. Shrinking one size class moves items from bucket
   * `i + count` to `i`; the CDK never deletes a stack that leaves the app
   * (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html), so without these the
   * old stack would keep the items while bucket `i` creates them again under the same names.
   * Growing is the other direction and is ordered by dependOnParent. Shrinking by two size
   * classes in one deploy (the fleet losing three quarters of its load) is not covered.
   */
  private retiredTier(count: number, real: ReadonlyMap<number, Stack>, make: (index: number) => Stack): void {
    // Every bucket of the next class up: which of them held items before is not known here (the
    // items may also have left the fleet in the same edit).
    if (real.size === 0) return;
    for (let lower = 0; lower < count; lower++) {
      const index = lower + count;
      const stack = make(index);
      keepDeployable(stack);
      real.get(lower)?.addStackDependency(stack, 'a smaller size class moves resources from the empty bucket into this one');
      this.emptyBucketStacks.push(stack);
    }
  }

  private routesIn(stack: Stack): AlarmRoutes {
    return {
      pager: new SnsAction(Topic.fromTopicArn(stack, 'PagerTopic', topicArnIn(stack, this.prefix, 'pager'))),
      chat: new SnsAction(Topic.fromTopicArn(stack, 'ChatTopic', topicArnIn(stack, this.prefix, 'chat'))),
    };
  }
}
