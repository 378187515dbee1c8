// The scenarios of issue 9 ("The synthesized alarms are replayed"), as data: a fleet, what its
// probes publish, and who must be told within how long. scenarios.test.ts runs the ones the
// templates satisfy; pending.scenarios.ts names the ones they do not yet.
import type { Fleet } from '../../../lib/model/fleet.js';
import { httpCheck } from '../synth.js';
import { elevenRegionFleet, threeRegionFleet } from '../iam/fleets.js';
import { BUSINESS_HOURS, REGIONS, replayFleet, SHOP_ENDPOINT } from './fleets.js';
import { DAY, describeTold, HOUR, MINUTE, MONDAY, readFleet, replayScenario, type ReplayRun } from './harness.js';
import type { Run, Script } from './probeSimulator.js';
import type { Audience, Notification } from './replay.js';
import type { ReadTemplates } from './templateAlarms.js';

export type Expectation =
  | { kind: 'no page' }
  | { kind: 'page within'; ms: number; alarm?: RegExp }
  | { kind: 'pages'; count: number; alarm?: RegExp }
  | { kind: 'told within'; audience: Audience; ms: number; alarm?: RegExp }
  | { kind: 'not told'; audience: Audience };

export interface Scenario {
  name: string;
  fleet: Fleet;
  /** Alarms created and probes started. */
  deployMs: number;
  /** When the failure (or the event) begins: expectations count from here. */
  startMs: number;
  untilMs: number;
  script?: Script;
  createdAtMs?: (alarm: string) => number;
  expect: Expectation[];
}

/** A notice is a message that something is wrong: ALARM, or INSUFFICIENT_DATA where an alarm has actions for it. */
const isNotice = (n: Notification): boolean => n.state !== 'OK';

/** `a ×3, b` */
function names(list: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of list) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].map(([n, c]) => (c > 1 ? `${n} ×${c}` : n)).join(', ') || 'none';
}

function minutes(ms: number): string {
  return ms % HOUR === 0 ? `${ms / HOUR} h` : `${ms / MINUTE} min`;
}

/** What the run broke of the scenario's expectations; empty when it kept all of them. */
export function violations(s: Scenario, run: ReplayRun): string[] {
  const out: string[] = [];
  const since = run.told(s.startMs);
  const matches = (n: Notification, alarm?: RegExp): boolean => alarm === undefined || alarm.test(n.alarm);
  for (const e of s.expect) {
    switch (e.kind) {
      case 'no page': {
        const pages = run.pages(s.startMs);
        if (pages.length > 0) out.push(`expected no page, received ${pages.length}: ${names(pages.map((p) => p.alarm))}`);
        break;
      }
      case 'page within': {
        const first = since.find((n) => n.audience === 'on-call page' && n.state === 'ALARM' && matches(n, e.alarm));
        if (!first) out.push(`expected a page${e.alarm ? ` from ${e.alarm.source}` : ''} within ${minutes(e.ms)}, received none`);
        else if (first.atMs - s.startMs > e.ms) out.push(`expected a page within ${minutes(e.ms)}, received the first after ${minutes(first.atMs - s.startMs)} (${first.alarm})`);
        break;
      }
      case 'pages': {
        const pages = run.pages(s.startMs).filter((n) => matches(n, e.alarm));
        if (pages.length !== e.count) out.push(`expected ${e.count} page(s)${e.alarm ? ` from ${e.alarm.source}` : ''}, received ${pages.length}: ${names(pages.map((p) => p.alarm))}`);
        break;
      }
      case 'told within': {
        const first = since.find((n) => n.audience === e.audience && isNotice(n) && matches(n, e.alarm));
        if (!first) {
          const elsewhere = since.filter((n) => isNotice(n) && matches(n, e.alarm));
          out.push(`expected ${e.audience} to be told${e.alarm ? ` by ${e.alarm.source}` : ''} within ${minutes(e.ms)}, received nothing there${elsewhere.length > 0 ? `; told instead: ${[...new Set(elsewhere.map((n) => `${n.audience} (${n.alarm})`))].join(', ')}` : ''}`);
        } else if (first.atMs - s.startMs > e.ms) out.push(`expected ${e.audience} to be told within ${minutes(e.ms)}, first told after ${minutes(first.atMs - s.startMs)} (${first.alarm})`);
        break;
      }
      case 'not told': {
        const told = since.filter((n) => n.audience === e.audience && isNotice(n));
        if (told.length > 0) out.push(`expected ${e.audience} not to be told, received ${told.length}: ${names(told.map((n) => `${n.alarm} ${n.state}`))}`);
        break;
      }
    }
  }
  return out;
}

/** Runs a scenario on the fleet's templates, or on `read` (templates altered by a negative control). */
export function runScenario(s: Scenario, read?: ReadTemplates): { run: ReplayRun; problems: string[]; told: string } {
  const run = replayScenario({ fleet: s.fleet, deployMs: s.deployMs, untilMs: s.untilMs, ...(s.script ? { script: s.script } : {}), ...(s.createdAtMs ? { createdAtMs: s.createdAtMs } : {}), ...(read ? { read } : {}) });
  return { run, problems: violations(s, run), told: describeTold(run.told(s.startMs), s.startMs) };
}

// ---------------------------------------------------------------------------------------------

const T0 = MONDAY + 2 * HOUR; // Monday 02:00 UTC, two hours after the deploy
const WARM = MONDAY;

const inRegions = (regions: readonly string[], checks: readonly string[], from: number, to = Infinity) => (run: Run, target: { checkId: string }): 'pass' | 'fail' =>
  regions.includes(run.region) && checks.includes(target.checkId) && run.scheduledMs >= from && run.scheduledMs < to ? 'fail' : 'pass';

const silent = (match: (run: Run) => boolean, from: number, to = Infinity) => (run: Run): 'ok' | 'silent' => (match(run) && run.scheduledMs >= from && run.scheduledMs < to ? 'silent' : 'ok');

/** A rate rule's first event comes one period after it is created; a cron rule's at its next match. */
const firstRunsAfter = (deployMs: number) => (run: Run): 'ok' | 'silent' => (run.shardId.includes('-cron') || run.scheduledMs >= deployMs + run.periodMs ? 'ok' : 'silent');

const FIFTEEN = 15 * MINUTE;

export function serviceScenarios(): Scenario[] {
  const fleet = replayFleet();
  return [
    {
      name: 'one region failing: nobody is paged',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { outcome: inRegions(['eu-west-1'], ['checkout-health', 'cart-page'], T0) },
      expect: [{ kind: 'no page' }],
    },
    {
      // The issue's "one dead shard plus one real failure pages": silence is not a failure.
      name: 'one region silent and another failing: nobody is paged',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: silent((run) => run.region === 'ap-southeast-1', T0), outcome: inRegions(['eu-west-1'], ['checkout-health', 'cart-page'], T0) },
      expect: [{ kind: 'no page' }],
    },
    {
      name: 'two of three regions failing (1-minute check): a page within 3 periods',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { outcome: inRegions(['eu-west-1', 'us-east-1'], ['checkout-health'], T0) },
      expect: [{ kind: 'page within', ms: 3 * MINUTE, alarm: /service\/checkout$/ }, { kind: 'pages', count: 1 }],
    },
    {
      name: 'two of three regions failing (5-minute check): a page within 3 periods',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { outcome: inRegions(['eu-west-1', 'ap-southeast-1'], ['cart-page'], T0) },
      expect: [{ kind: 'page within', ms: 15 * MINUTE, alarm: /service\/checkout$/ }, { kind: 'pages', count: 1 }],
    },
    {
      name: 'a run whose start slips across a minute boundary (datum at its scheduled time): nobody is told',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      // Every other run of every 1-minute shard starts 62 s late, past the next minute boundary,
      // the others 20 s late: by the handler's clock some minutes would hold two runs and
      // the one before none; by the scheduled time each minute holds its own.
      script: { startDelayMs: (run) => (run.periodMs === MINUTE && run.scheduledMs >= T0 && (run.scheduledMs / MINUTE) % 2 === 0 ? 62_000 : 20_000) },
      expect: [{ kind: 'no page' }, { kind: 'not told', audience: 'chat' }, { kind: 'not told', audience: 'fleet operator' }],
    },
    {
      name: 'a failing secret lookup (no Success datum, SecretLookupFailures): no page, the fleet operator within 15 min',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { outcome: (run, t) => (t.checkId === 'catalog-search' && run.scheduledMs >= T0 ? 'secret-failure' : 'pass') },
      expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'fleet operator', ms: FIFTEEN }],
    },
    {
      name: 'business-hours check: healthy from a deploy before its hours through the night: nobody is paged, no fleet-health notice',
      fleet,
      deployMs: MONDAY + 6 * HOUR,
      startMs: MONDAY + 6 * HOUR,
      untilMs: MONDAY + DAY + 9 * HOUR,
      expect: [{ kind: 'no page' }, { kind: 'not told', audience: 'fleet operator' }],
    },
    {
      name: 'business-hours check: two regions failing inside its hours: a page within 3 periods',
      fleet,
      deployMs: MONDAY + 6 * HOUR,
      startMs: MONDAY + 10 * HOUR,
      untilMs: MONDAY + 11 * HOUR,
      script: { outcome: inRegions(['eu-west-1', 'us-east-1'], ['backoffice'], MONDAY + 10 * HOUR) },
      expect: [{ kind: 'page within', ms: 15 * MINUTE, alarm: /service\/backoffice$/ }],
    },
    {
      name: 'business-hours check: failing at 17:55, silent after its hours: one page, nothing more at night',
      fleet,
      deployMs: MONDAY + 6 * HOUR,
      startMs: MONDAY + 17 * HOUR + 30 * MINUTE,
      untilMs: MONDAY + DAY + 7 * HOUR,
      script: { outcome: inRegions(['eu-west-1', 'us-east-1', 'ap-southeast-1'], ['backoffice'], MONDAY + 17 * HOUR + 30 * MINUTE) },
      expect: [{ kind: 'pages', count: 1, alarm: /backoffice/ }, { kind: 'not told', audience: 'fleet operator' }],
    },
    {
      // The alarms read the Minimum over a UTC day: a day's datapoint is judged when the day ends.
      name: 'one certificate 20 then 6 days from expiry, shared by many checks: chat once within a day, then one page for the host',
      fleet,
      deployMs: MONDAY - 2 * HOUR,
      startMs: MONDAY,
      untilMs: MONDAY + 2 * DAY + 2 * HOUR,
      script: { certificateDays: (endpoint, at) => (endpoint !== SHOP_ENDPOINT || at < MONDAY ? 90 : at < MONDAY + DAY ? 20 : 6) },
      expect: [
        { kind: 'told within', audience: 'chat', ms: DAY + MINUTE, alarm: /cert.*shop\.example\.com/ },
        { kind: 'pages', count: 1 },
        { kind: 'page within', ms: 2 * DAY + MINUTE, alarm: /cert.*shop\.example\.com/ },
      ],
    },
    {
      name: 'two certificates 6 days from expiry: one page per host',
      fleet,
      deployMs: MONDAY - 2 * HOUR,
      startMs: MONDAY,
      untilMs: MONDAY + DAY + 2 * HOUR,
      script: { certificateDays: (endpoint, at) => (at >= MONDAY && (endpoint === SHOP_ENDPOINT || endpoint === 'backoffice.example.com:443') ? 6 : 90) },
      expect: [
        { kind: 'pages', count: 1, alarm: /cert-pager\/shop\.example\.com/ },
        { kind: 'pages', count: 1, alarm: /cert-pager\/backoffice\.example\.com/ },
        { kind: 'pages', count: 2 },
      ],
    },
  ];
}

export function firstDeployScenarios(): Scenario[] {
  const fleet = replayFleet();
  const deployMs = MONDAY + 7 * MINUTE;
  const added = replayFleet([httpCheck('loyalty-points', { service: 'loyalty', owner: 'team-loyalty', schedule: '1h', url: 'https://loyalty.example.com/health' })]);
  const before = new Set([...readFleet(fleet).alarms, ...readFleet(fleet).composites].map((a) => a.name));
  const redeployMs = MONDAY + 3 * HOUR + 11 * MINUTE;
  return [
    {
      name: 'the first deploy, before the first datum of each check (an hourly one included): nobody is paged',
      fleet,
      deployMs,
      startMs: deployMs,
      untilMs: deployMs + 3 * HOUR,
      script: { invocation: firstRunsAfter(deployMs) },
      expect: [{ kind: 'no page' }],
    },
    {
      name: 'a newly added hourly check before its first datum: nobody is paged',
      fleet: added,
      deployMs: WARM,
      startMs: redeployMs,
      untilMs: redeployMs + 3 * HOUR,
      createdAtMs: (alarm) => (before.has(alarm) ? WARM : redeployMs),
      script: {
        // The existing hourly shard gets the target at the redeploy; it runs it from its next run on.
        outcome: (run, t) => (t.checkId === 'loyalty-points' && run.scheduledMs < redeployMs ? 'absent' : 'pass'),
      },
      expect: [{ kind: 'no page' }],
    },
  ];
}

export function probeHealthScenarios(): Scenario[] {
  const fleet = replayFleet();
  const probesIn = (region: string) => (run: Run): boolean => run.region === region;
  return [
    {
      name: 'one probe region silent: no page, the fleet operator within 15 min',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: silent(probesIn('ap-southeast-1'), T0) },
      expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'fleet operator', ms: FIFTEEN }],
    },
    {
      name: 'all probes silent: no page, the fleet operator within 15 min',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: silent(() => true, T0) },
      expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'fleet operator', ms: FIFTEEN }],
    },
    {
      name: 'a 1-minute shard silent: the fleet operator within 15 min, no page',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: silent((run) => run.shardId === 'eu-west-1-1m-0', T0) },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /eu-west-1-1m-0/ }, { kind: 'no page' }],
    },
    {
      name: 'a 5-minute shard silent: the fleet operator within 15 min, no page',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: silent((run) => run.shardId === 'us-east-1-5m-0', T0) },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /us-east-1-5m-0/ }, { kind: 'no page' }],
    },
    {
      name: 'a business-hours shard silent inside its hours: the fleet operator within 15 min, no page',
      fleet,
      deployMs: MONDAY + 6 * HOUR,
      startMs: MONDAY + 10 * HOUR,
      untilMs: MONDAY + 11 * HOUR,
      script: { invocation: silent((run) => run.region === 'us-east-1' && run.shardId.includes('-cron'), MONDAY + 10 * HOUR) },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /us-east-1-cron/ }, { kind: 'no page' }],
    },
    {
      name: 'Lambda errors in a 5-minute shard: the fleet operator within 15 min, no page',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: (run) => (run.shardId === 'eu-west-1-5m-0' && run.scheduledMs >= T0 ? 'error' : 'ok') },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /eu-west-1-5m-0/ }, { kind: 'no page' }],
    },
    {
      name: 'EventBridge cannot invoke a 10-minute shard (FailedInvocations): the fleet operator within 15 min, no page',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: (run) => (run.shardId === 'us-east-1-10m-0' && run.scheduledMs >= T0 ? 'undeliverable' : 'ok') },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /us-east-1-10m-0/ }, { kind: 'no page' }],
    },
    {
      name: 'Lambda throttles in a 1-minute shard: the fleet operator within 15 min, no page',
      fleet,
      deployMs: WARM,
      startMs: T0,
      untilMs: T0 + HOUR,
      script: { invocation: (run) => (run.shardId === 'ap-southeast-1-1m-0' && run.scheduledMs >= T0 ? 'throttled' : 'ok') },
      expect: [{ kind: 'told within', audience: 'fleet operator', ms: FIFTEEN, alarm: /ap-southeast-1-1m-0/ }, { kind: 'no page' }],
    },
  ];
}

/**
 * The other fleets the issue names: the demo (one region, an environment that does not page),
 * three regions with production and staging, and eleven regions (quorum over region groups).
 */
export function otherFleetScenarios(demo: Fleet): Scenario[] {
  const three = threeRegionFleet();
  const eleven = elevenRegionFleet();
  const failing = (check: string, environment: string | null, regions: readonly string[]) => (run: Run, t: { checkId: string; environment: string }): 'pass' | 'fail' =>
    t.checkId === check && (environment === null || t.environment === environment) && regions.includes(run.region) && run.scheduledMs >= T0 ? 'fail' : 'pass';
  const base = { deployMs: WARM, startMs: T0, untilMs: T0 + HOUR };
  return [
    { name: 'demo: healthy for two hours after the deploy: nobody is paged, no fleet-health notice', fleet: demo, ...base, startMs: WARM, expect: [{ kind: 'no page' }, { kind: 'not told', audience: 'fleet operator' }] },
    { name: 'demo: the health check failing (its environment does not page): chat within 3 periods, no page', fleet: demo, ...base, script: { outcome: failing('health', null, ['eu-west-1']) }, expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'chat', ms: 3 * MINUTE }] },
    { name: 'three regions, two environments: production failing in two regions pages within 3 periods', fleet: three, ...base, script: { outcome: failing('checkout-health', 'production', ['eu-west-1', 'us-east-1']) }, expect: [{ kind: 'page within', ms: 3 * MINUTE, alarm: /production/ }, { kind: 'pages', count: 1 }] },
    { name: 'three regions, two environments: staging failing everywhere posts to chat, no page', fleet: three, ...base, script: { outcome: failing('checkout-health', 'staging', REGIONS) }, expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'chat', ms: 3 * MINUTE, alarm: /staging/ }] },
    { name: 'eleven regions: one region failing: nobody is paged', fleet: eleven, ...base, script: { outcome: failing('home', null, ['sa-east-1']) }, expect: [{ kind: 'no page' }] },
    { name: 'eleven regions: two regions in different groups failing pages within 3 periods', fleet: eleven, ...base, script: { outcome: failing('home', null, ['eu-west-1', 'ap-northeast-1']) }, expect: [{ kind: 'page within', ms: 3 * MINUTE }, { kind: 'pages', count: 1 }] },
    { name: 'eleven regions: all probes silent: no page, the fleet operator within 15 min', fleet: eleven, ...base, script: { invocation: silent(() => true, T0) }, expect: [{ kind: 'no page' }, { kind: 'told within', audience: 'fleet operator', ms: FIFTEEN }] },
  ];
}

/** Every scenario on the replay fleet, for the test files and the pending list. */
export function allScenarios(): Scenario[] {
  return [...serviceScenarios(), ...firstDeployScenarios(), ...probeHealthScenarios()];
}

export { BUSINESS_HOURS };
