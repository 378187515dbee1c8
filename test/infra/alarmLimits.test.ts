// CloudWatch's evaluation-window limit and uneven cron schedules: what validation reports
// before a deploy, and what the alarms do with the quiet hours of a business-hours schedule.
import { describe, expect, it } from 'vitest';
import { trackersFor } from '../../lib/alerting/evaluate.js';
import { alarmName } from '../../lib/alerting/naming.js';
import { alarmPolicyFor, latencyWindow } from '../../lib/alerting/policy.js';
import { scheduleShape } from '../../lib/alerting/scheduleShape.js';
import { deployLimitDiagnostics } from '../../lib/config/validateAlerting.js';
import { availabilityExpression } from '../../lib/infra/availabilityAlarm.js';
import { heartbeatPlan } from '../../lib/infra/heartbeatAlarm.js';
import type { Shard } from '../../lib/lambda/shards.js';
import type { Check, Schedule } from '../../lib/model/fleet.js';
import { ProbeFleet } from '../../lib/infra/index.js';
import { App } from 'aws-cdk-lib';
import { httpCheck, smallFleet, synth } from './synth.js';

const BUSINESS_HOURS = 'cron(0 9-17 ? * MON-FRI *)' as Schedule;
const WEEKLY = 'cron(0 9 ? * MON *)' as Schedule;

describe('CloudWatch evaluation-window limits are config errors', () => {
  it.each([
    {
      name: 'evaluationPeriods 100 on a 15-minute schedule (25 h > 1 day)',
      check: httpCheck('a', { schedule: '15m', alarm: { evaluationPeriods: 100, datapointsToAlarm: 2 } }),
      path: 'checks[0].alarm.evaluationPeriods',
      message: /evaluationPeriods at most 96 for a 15 min period.*received 100 × 15 min = 25 h/,
    },
    {
      name: 'a weekly cron with the default 3 periods (21 days > 7 days)',
      check: httpCheck('a', { schedule: WEEKLY }),
      path: 'checks[0].schedule',
      message: /evaluationPeriods at most 1 for a 7 days period.*received 3 × 7 days = 21 days/,
    },
    {
      name: 'a monthly cron: no evaluationPeriods fits',
      check: httpCheck('a', { schedule: 'cron(0 9 1 * ? *)' as Schedule, alarm: { evaluationPeriods: 1, datapointsToAlarm: 1 } }),
      path: 'checks[0].alarm.evaluationPeriods',
      message: /a schedule that runs at least once every 7 days/,
    },
  ])('$name', ({ check, path, message }) => {
    const diagnostics = deployLimitDiagnostics(smallFleet({ checks: [check] }));
    expect(diagnostics.map((d) => d.path)).toEqual([path]);
    expect(diagnostics[0]?.message).toMatch(message);
  });

  it('blames the inherited fleet-level setting once when no check sets its own', () => {
    const fleet = smallFleet({ defaults: { schedule: '30m' }, alerting: { policy: { evaluationPeriods: 60, datapointsToAlarm: 2 } }, checks: [httpCheck('a'), httpCheck('b')] });
    expect(deployLimitDiagnostics(fleet).map((d) => d.path)).toEqual(['alerting.policy.evaluationPeriods']);
  });

  it('accepts windows at the limit: 96 × 15 min and a weekly cron with 1 period', () => {
    const fleet = smallFleet({
      checks: [httpCheck('a', { schedule: '15m', alarm: { evaluationPeriods: 96, datapointsToAlarm: 2 } }), httpCheck('b', { schedule: WEEKLY, alarm: { evaluationPeriods: 1, datapointsToAlarm: 1 } })],
    });
    expect(deployLimitDiagnostics(fleet)).toEqual([]);
    expect(deployLimitDiagnostics(smallFleet())).toEqual([]);
  });

  it.each([
    { schedule: 60, minutes: undefined, expected: { periodSeconds: 900, evaluationPeriods: 2 } },
    { schedule: 3600, minutes: undefined, expected: { periodSeconds: 3 * 3600, evaluationPeriods: 2 } },
    { schedule: 86_400, minutes: undefined, expected: { periodSeconds: 3 * 86_400, evaluationPeriods: 2 } },
    // 3 weeks would not fit twice in 7 days: shortened to one 7-day window.
    { schedule: 604_800, minutes: undefined, expected: { periodSeconds: 604_800, evaluationPeriods: 1 } },
    { schedule: 300, minutes: 5, expected: { periodSeconds: 300, evaluationPeriods: 2 } },
  ])('latency window for a $schedule s schedule (latencyPeriodMinutes $minutes)', ({ schedule, minutes, expected }) => {
    const window = latencyWindow(schedule, minutes);
    expect(window).toEqual(expected);
    expect(window.periodSeconds * window.evaluationPeriods).toBeLessThanOrEqual(window.periodSeconds < 3600 ? 86_400 : 604_800);
  });
});

describe('uneven cron schedules: quiet hours do not alarm', () => {
  it.each<{ schedule: Schedule; shortest: number; longest: number; uneven: boolean }>([
    { schedule: '5m', shortest: 300, longest: 300, uneven: false },
    { schedule: 'cron(0/15 * * * ? *)', shortest: 900, longest: 900, uneven: false },
    { schedule: BUSINESS_HOURS, shortest: 3600, longest: 64 * 3600, uneven: true },
    { schedule: 'cron(0 */5 * * ? *)', shortest: 4 * 3600, longest: 5 * 3600, uneven: true },
  ])('shape of $schedule', ({ schedule, shortest, longest, uneven }) => {
    expect(scheduleShape(schedule)).toEqual({ shortestGapSeconds: shortest, longestGapSeconds: longest, uneven });
  });

  const fleet = smallFleet({ checks: [httpCheck('office', { schedule: BUSINESS_HOURS, maxMs: 2000 }), httpCheck('steady', { schedule: '5m' })] });

  it('availability: a period without any report gives no datapoint, and missing data keeps the state (ignore)', () => {
    expect(availabilityExpression(2, 2, 2)).toBe('IF((FILL(m0 * 0 + 1, 0) + FILL(m1 * 0 + 1, 0)) > 0, IF((FILL(1 - m0, 0) + FILL(1 - m1, 0)) >= 2, 1, 0))');
    const s = synth(fleet);
    const alarms = s.template(s.fleet.alarmStacks[0]!);
    const office = Object.values(alarms.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: alarmName({ fleet: 'shop', kind: 'availability', subject: 'office' }) } }))[0] as {
      Properties: { TreatMissingData: string; Metrics: { Expression?: string; MetricStat?: { Period: number } }[] };
    };
    expect(office.Properties.TreatMissingData).toBe('ignore');
    expect(office.Properties.Metrics[0]?.Expression).toBe(availabilityExpression(3, 2, 2));
    // One period is the shortest gap of the schedule: an hour.
    expect(office.Properties.Metrics[1]?.MetricStat?.Period).toBe(3600);
    const steady = Object.values(alarms.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: alarmName({ fleet: 'shop', kind: 'availability', subject: 'steady' }) } }))[0] as {
      Properties: { TreatMissingData: string; Metrics: { Expression?: string }[] };
    };
    // An even schedule reads silence the same way: probe silence is the fleet-health alarms' business.
    expect(steady.Properties.TreatMissingData).toBe('ignore');
    expect(steady.Properties.Metrics[0]?.Expression).toBe(availabilityExpression(3, 2, 2));
  });

  it('the local monitor reads the same policy: a night without results keeps the alarm OK', () => {
    const check = fleet.checks[0] as Check;
    expect(alarmPolicyFor(fleet, check).availability).toMatchObject({ quietPeriods: true, treatMissingData: 'ignore' });
    const [availability] = trackersFor(fleet, check, 'production', 1, { locations: ['local'], startMs: 0 });
    const hour = 3_600_000;
    // Runs at 0h, 1h, 2h pass; then nothing for ten hours.
    for (let h = 0; h < 3; h++) {
      availability!.observe({ checkId: 'office', location: 'local', ok: true, skipped: false, startedAt: new Date(h * hour + 1000).toISOString(), durationMs: 10, certDaysRemaining: null } as never);
    }
    availability!.evaluate(3 * hour + 1);
    expect(availability!.state).toBe('OK');
    expect(availability!.evaluate(13 * hour)).toBeNull();
    expect(availability!.state).toBe('OK');
  });

  it('heartbeat leaves quiet and slower-than-hourly shards out, and is absent when nothing is left', () => {
    const shard = (id: string, schedule: Schedule, periodSeconds: number, n: number): Shard => ({ id, region: 'r', schedule, periodSeconds, targets: Array.from({ length: n }, () => ({ checkId: 'c', environment: 'p' })) });
    expect(heartbeatPlan([shard('a', '5m', 300, 4), shard('b', BUSINESS_HOURS, 3600, 10), shard('c', 'cron(0 3 * * ? *)', 86_400, 10)])).toEqual({
      periodSeconds: 300,
      expectedChecks: 4,
      threshold: 2,
    });
    expect(heartbeatPlan([shard('b', BUSINESS_HOURS, 3600, 10)])).toBeNull();
    const s = synth(smallFleet({ checks: [httpCheck('office', { schedule: BUSINESS_HOURS })] }));
    const home = s.template(s.fleet.homeStack);
    expect(Object.keys(home.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ChecksRun' } }))).toEqual([]);
  });
});

describe('ProbeFleet validates the fleet it is given', () => {
  const build = (fleet: unknown): (() => void) => () => new ProbeFleet(new App(), 'Fleet', { fleet: fleet as never, bundling: 'skip' });
  const diagnosticsOf = (fleet: unknown): { path: string; message: string }[] => {
    try {
      build(fleet)();
    } catch (error) {
      expect(error).toMatchObject({ kind: 'config_invalid', retryable: false });
      return (error as { diagnostics: { path: string; message: string }[] }).diagnostics;
    }
    return expect.fail('expected a ConfigError');
  };

  it('lists every validation problem in one error', () => {
    const paths = diagnosticsOf(smallFleet({ regions: ['mars-1'], checks: [httpCheck('Bad Id', { schedule: '7m' as Schedule })] })).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['regions[0]', 'checks[0].id', 'checks[0].schedule']));
  });

  it.each([
    { name: 'a very long service name', fleet: smallFleet({ checks: [httpCheck('a', { service: 's'.repeat(240) })] }), path: 'checks[0].service', message: /alarm name too long/ },
    { name: 'a very long fleet name', fleet: smallFleet({ name: 'f'.repeat(250) }), path: 'name', message: /alarm names would be too long/ },
    { name: 'two services that share an alarm name', fleet: smallFleet({ checks: [httpCheck('a', { service: 'web shop' }), httpCheck('b', { service: 'web_shop' })] }), path: 'checks[1].service', message: /two services would share one alarm/ },
  ])('$name is a config error at $path', ({ fleet, path, message }) => {
    const diagnostics = diagnosticsOf(fleet);
    expect(diagnostics.map((d) => d.path)).toEqual([path]);
    expect(diagnostics[0]?.message).toMatch(message);
  });
});
