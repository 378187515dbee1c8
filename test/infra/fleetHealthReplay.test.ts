// The fleet-health alarms read back from the synthesized templates and replayed against the
// metrics a fleet publishes (test/infra/replay: CloudWatch's evaluation and missing-data
// rules, alarm actions on state changes only): who is told, and when, when probes die.
import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../lib/model/fleet.js';
import { DAY, describeTold as told, HOUR, MINUTE, MONDAY, replayScenario, type ReplayRun } from './replay/harness.js';
import type { Run } from './replay/probeSimulator.js';
import { httpCheck, smallFleet } from './synth.js';

const OPERATOR = 'fleet operator';

const fleet: Fleet = smallFleet({
  regions: ['eu-west-1'],
  checks: [
    httpCheck('every-minute', { schedule: '1m', severity: 'critical' }),
    httpCheck('five-minutes', { schedule: '5m', severity: 'warning' }),
    httpCheck('hourly', { schedule: '1h', severity: 'warning' }),
    httpCheck('office-hours', { schedule: 'cron(0/5 9-16 ? * MON-FRI *)', severity: 'warning' }),
  ],
  alerting: { ...smallFleet().alerting, operator: { owner: 'platform-sre', emails: ['probes@example.com'] } },
});

const shardOf = (schedule: string): string => `eu-west-1-${schedule.startsWith('cron(') ? 'cron' : schedule}`;
const operatorNotices = (run: ReplayRun, sinceMs: number) => run.told(sinceMs).filter((n) => n.audience === OPERATOR && n.state !== 'OK');
const fleetHealth = (run: ReplayRun, sinceMs: number) => run.told(sinceMs).filter((n) => n.alarm.startsWith('probe-fleet/shop/heartbeat/'));

/** The shard whose id starts with `prefix` stops running at `fromMs` (its rule no longer fires). */
const silentFrom = (prefix: string, fromMs: number) => ({ invocation: (run: Run) => (run.shardId.startsWith(prefix) && run.scheduledMs >= fromMs ? ('silent' as const) : ('ok' as const)) });

describe('fleet-health alarms replayed', () => {
  it('tell nobody on a first deploy of a healthy fleet, through a night and a weekday', () => {
    const deploy = MONDAY + 8 * HOUR;
    const run = replayScenario({ fleet, deployMs: deploy, untilMs: deploy + 26 * HOUR });
    // The replay read the fleet-health alarms (a silent result would otherwise prove nothing).
    const silent = run.read.alarms.filter((a) => a.name.endsWith('.silent')).map((a) => a.name);
    expect(silent).toHaveLength(4);
    for (const schedule of ['1m', '5m', '1h', 'cron']) expect(silent.some((n) => n.includes(`/eu-west-1-${schedule}`)), schedule).toBe(true);
    // 4 shards × (silence, failures); invocation errors, publish failures, dead letters; secret lookups; heartbeat; 2 dead-letter alarms in home.
    expect(run.read.alarms.filter((a) => a.name.startsWith('probe-fleet/shop/heartbeat/')).length).toBe(4 * 2 + 3 + 1 + 1 + 2);
    expect(fleetHealth(run, deploy), told(fleetHealth(run, deploy), deploy)).toEqual([]);
  });

  for (const [schedule, withinMs] of [
    ['1m', 15 * MINUTE],
    ['5m', 15 * MINUTE],
    ['1h', 2 * HOUR + 30 * MINUTE],
  ] as const) {
    it(`tell the operator within ${withinMs / MINUTE} min when the ${schedule} shard stops, and page nobody about it`, () => {
      const deploy = MONDAY;
      const death = deploy + 3 * HOUR;
      const run = replayScenario({ fleet, deployMs: deploy, untilMs: death + withinMs + 10 * MINUTE, script: silentFrom(shardOf(schedule), death) });
      const notices = operatorNotices(run, death);
      const silence = notices.find((n) => n.alarm === `probe-fleet/shop/heartbeat/${shardOf(schedule)}-0.silent`);
      expect(silence, told(run.told(death), death)).toBeDefined();
      expect(silence!.state).toBe('INSUFFICIENT_DATA');
      expect(silence!.atMs - death).toBeLessThanOrEqual(withinMs);
      // Nothing before the death, and no fleet-health alarm reaches a service's pager.
      expect(operatorNotices(run, deploy).filter((n) => n.atMs < death)).toEqual([]);
      expect(fleetHealth(run, deploy).filter((n) => n.audience !== OPERATOR)).toEqual([]);
    });
  }

  it('a business-hours shard that dies after hours is reported within 15 min of its next hours, not during the night', () => {
    const deploy = MONDAY + 8 * HOUR;
    const death = MONDAY + 18 * HOUR; // after its last run at 16:55
    const tuesdayNine = MONDAY + DAY + 9 * HOUR;
    const run = replayScenario({ fleet, deployMs: deploy, untilMs: tuesdayNine + 30 * MINUTE, script: silentFrom('eu-west-1-cron', death) });
    const notices = operatorNotices(run, deploy).filter((n) => n.alarm.includes('eu-west-1-cron'));
    expect(notices.length, told(notices, deploy)).toBe(1);
    expect(notices[0]!.atMs).toBeGreaterThanOrEqual(tuesdayNine);
    expect(notices[0]!.atMs - tuesdayNine).toBeLessThanOrEqual(15 * MINUTE);
  });

  it('tell the operator of Lambda errors and throttles within 10 min, through the shard failure alarm', () => {
    const deploy = MONDAY;
    const trouble = deploy + 2 * HOUR;
    for (const outcome of ['error', 'throttled'] as const) {
      const run = replayScenario({
        fleet,
        deployMs: deploy,
        untilMs: trouble + 20 * MINUTE,
        script: { invocation: (r) => (r.shardId.startsWith('eu-west-1-5m') && r.scheduledMs >= trouble ? outcome : 'ok') },
      });
      const failure = operatorNotices(run, trouble).find((n) => n.alarm === 'probe-fleet/shop/heartbeat/eu-west-1-5m-0.failures');
      expect(failure, `${outcome}:\n${told(run.told(trouble), trouble)}`).toMatchObject({ state: 'ALARM', audience: OPERATOR });
      expect(failure!.atMs - trouble, outcome).toBeLessThanOrEqual(10 * MINUTE);
    }
  });

  it('tell the operator, not the pager, when checks cannot read their secrets', () => {
    const deploy = MONDAY;
    const outage = deploy + HOUR;
    const run = replayScenario({
      fleet,
      deployMs: deploy,
      untilMs: outage + 20 * MINUTE,
      script: { outcome: (r) => (r.scheduledMs >= outage ? 'secret-failure' : 'pass') },
    });
    const notice = operatorNotices(run, outage).find((n) => n.alarm === 'probe-fleet/shop/heartbeat/eu-west-1.secret-lookups');
    expect(notice, told(run.told(outage), outage)).toMatchObject({ state: 'ALARM', audience: OPERATOR });
    expect(notice!.atMs - outage).toBeLessThanOrEqual(10 * MINUTE);
  });
});
