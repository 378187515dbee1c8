import { describe, expect, it } from 'vitest';
import { heartbeatPlan } from '../../lib/infra/heartbeatAlarm.js';
import { samplesNeeded } from '../../lib/infra/latencyAlarm.js';
import { alarmCountOf, packTargets, planTargets, quorumCompositions, regionGroups, stackSafe } from '../../lib/infra/plan.js';
import { functionName } from '../../lib/infra/probeFunction.js';
import { scheduleExpression } from '../../lib/infra/schedules.js';
import { secretNamesIn } from '../../lib/config/secretsUsed.js';
import { generatedFleet } from '../../bench/generatedFleet.js';

describe('planning', () => {
  it.each([
    { regions: 3, groups: [3] },
    { regions: 10, groups: [10] },
    { regions: 11, groups: [6, 5] },
    { regions: 25, groups: [9, 9, 7] },
  ])('$regions regions → groups $groups', ({ regions, groups }) => {
    const list = Array.from({ length: regions }, (_, i) => `r${i}`);
    const result = regionGroups(list);
    expect(result.map((g) => g.length)).toEqual(groups);
    expect(result.flat()).toEqual(list);
  });

  it.each([
    { sizes: [6, 5], quorum: 2, expected: [[2, 0], [1, 1], [0, 2]] },
    { sizes: [6, 5], quorum: 1, expected: [[1, 0], [0, 1]] },
    { sizes: [1, 1, 1], quorum: 2, expected: [[1, 1, 0], [1, 0, 1], [0, 1, 1]] },
    { sizes: [2], quorum: 3, expected: [] },
  ])('quorum $quorum over groups $sizes', ({ sizes, quorum, expected }) => {
    expect(quorumCompositions(sizes, quorum)).toEqual(expected);
  });

  it('counts and packs alarms so no pack passes its limits', () => {
    const targets = planTargets(generatedFleet(100, ['a', 'b', 'c']));
    expect(alarmCountOf(targets[0]!)).toBe(1 + 1); // https with maxMs: availability, latency (certificate alarms are per endpoint, not per target)
    expect(alarmCountOf(targets[9]!)).toBe(1); // tcp: availability only
    const packs = packTargets(targets, { maxAlarms: 50, maxMetricRefs: 120 });
    // Placed by hash, so every target once, in some pack; fleet order holds within a pack.
    expect(packs.flat()).toHaveLength(targets.length);
    expect(new Set(packs.flat())).toEqual(new Set(targets));
    for (const pack of packs) expect(pack).toEqual(targets.filter((t) => pack.includes(t)));
    for (const pack of packs) {
      expect(pack.reduce((n, t) => n + alarmCountOf(t), 0)).toBeLessThanOrEqual(50);
      expect(pack.reduce((n, t) => n + alarmCountOf(t) * 3, 0)).toBeLessThanOrEqual(120);
    }
  });

  it('heartbeat expects the checks the schedules imply over the longest period', () => {
    const t = (n: number) => Array.from({ length: n }, () => ({ checkId: 'c', environment: 'p' }));
    expect(heartbeatPlan([
      { id: 'a', region: 'r', schedule: '1m', periodSeconds: 60, targets: t(3) },
      { id: 'b', region: 'r', schedule: '5m', periodSeconds: 300, targets: t(2) },
    ])).toEqual({ periodSeconds: 300, expectedChecks: 3 * 5 + 2, threshold: 8 });
  });

  it.each([
    { statistic: 'p50' as const, samples: 2 },
    { statistic: 'p95' as const, samples: 20 },
    { statistic: 'p99' as const, samples: 100 },
    { statistic: 'Maximum' as const, samples: 1 },
  ])('$statistic needs $samples samples', ({ statistic, samples }) => {
    expect(samplesNeeded(statistic)).toBe(samples);
  });

  it.each([
    { schedule: '1m' as const, expression: 'rate(1 minute)' },
    { schedule: '15m' as const, expression: 'rate(15 minutes)' },
    { schedule: '1h' as const, expression: 'rate(1 hour)' },
    { schedule: 'cron(0/5 * * * ? *)' as const, expression: 'cron(0/5 * * * ? *)' },
  ])('schedule $schedule → $expression', ({ schedule, expression }) => {
    expect(scheduleExpression(schedule)).toBe(expression);
  });

  it('rejects a schedule EventBridge cannot run', () => {
    expect(() => scheduleExpression('7m' as never)).toThrow(/schedule "7m"/);
  });

  it('finds secret references anywhere in a value', () => {
    expect(secretNamesIn({ a: [{ $secret: 'x' }, { b: { $secret: 'y' } }], c: 'plain', d: { $secret: 'x' } }, undefined)).toEqual(['x', 'y']);
  });

  it('keeps names inside AWS limits', () => {
    expect(stackSafe('1 shop_eu')).toBe('p-1-shop-eu');
    const name = functionName('p'.repeat(80), { id: 'ap-southeast-1-5m-12' });
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name.endsWith('-ap-southeast-1-5m-12')).toBe(true);
  });
});
