// A fleet whose checks cannot fit an origin's rate limit at their schedules is a config error:
// deployed, every run would skip the checks its share of the limit cannot reach in time.
import type { Fleet } from '../model/fleet.js';
import { planShards } from '../lambda/shards.js';
import { describeShortfall, planTraffic, trafficShortfalls } from '../lambda/trafficPlan.js';
import { Collector } from './collector.js';
import type { Diagnostic } from './errors.js';

/**
 * One diagnostic per origin that does not fit, at the rateLimit that sets its limit (an
 * environment's own, else `defaults.rateLimit`). Expects an otherwise valid fleet. The shard
 * split does not change the result: every run's share needs (requests − burst) / rate seconds.
 */
export function trafficDiagnostics(fleet: Fleet): Diagnostic[] {
  const c = new Collector();
  for (const origin of trafficShortfalls(planTraffic(fleet, planShards(fleet)))) {
    const own = origin.environments.find((name) => fleet.environments[name]?.rateLimit !== undefined);
    const path = own === undefined ? 'defaults.rateLimit' : `environments.${own}.rateLimit`;
    const { expected, received, message } = describeShortfall(origin);
    c.report(path, expected, received, message);
  }
  return c.diagnostics;
}
