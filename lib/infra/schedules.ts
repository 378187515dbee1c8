// One EventBridge rule per (schedule, shard): the event carries the shard id and the event's
// `time`, the scheduled time the datums are stamped with (a rule fires within the minute, not
// on it: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html);
// the function finds the shard in the fleet frozen into its bundle.
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Shard } from '../lambda/shards.js';
import { idOf } from './alarmContext.js';
import { parseSchedule, ScheduleError } from '../config/schedule.js';

/** The EventBridge schedule expression of a fleet schedule (`rate(5 minutes)`, `cron(...)`). */
export function scheduleExpression(schedule: Shard['schedule']): string {
  const parsed = parseSchedule(schedule);
  if (!parsed.ok) throw new ScheduleError(schedule, parsed.reason);
  return parsed.schedule.expression;
}

/**
 * `ruleName` is the function's name (both at most 64 characters of `[A-Za-z0-9_.-]`), so the
 * shard's failure alarm names the rule in its AWS/Events FailedInvocations dimension.
 */
export function shardSchedule(scope: Construct, shard: Shard, fn: IFunction, ruleName: string): Rule {
  return new Rule(scope, idOf('Schedule', shard.id), {
    ruleName,
    description: `Runs probe-fleet shard ${shard.id} ${shard.schedule}`,
    schedule: Schedule.expression(scheduleExpression(shard.schedule)),
    targets: [
      new LambdaFunction(fn, {
        event: RuleTargetInput.fromObject({ shard: shard.id, time: EventField.time }),
        // EventBridge's own retries would also double traffic; a delivery that fails counts in
        // AWS/Events FailedInvocations, which the shard's failure alarm watches.
        retryAttempts: 0,
      }),
    ],
  });
}
