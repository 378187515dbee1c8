// The timestamp every datum of an invocation carries: the time EventBridge scheduled the run,
// not the handler's clock. Scheduled rules fire "within the minute", not on its 0th second, and
// the target may start seconds later still
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html,
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
// A run scheduled for 00:05 whose handler starts at 00:05:58, or at 00:06:01, must land in the
// 00:05 period; stamped with the handler's clock, the second one lands in the next period and
// leaves 00:05 empty, which an availability alarm reads as a failure. The event's `time` field
// is that scheduled time (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html);
// the rule's target input carries it as `{ "shard": …, "time": <aws.events.event time> }`
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).

/** A scheduled time this far after the handler's clock is a clock problem, not a schedule. */
export const MAX_FUTURE_SKEW_MS = 60_000;
/** Lag always accepted, whatever the period: EventBridge's minute plus Lambda's async queue. */
export const MIN_ACCEPTED_LAG_MS = 5 * 60_000;

export interface InvocationTimestamp {
  /** Epoch ms, whole seconds: the Timestamp of every datum of the invocation. */
  timestamp: number;
  source: 'event' | 'clock';
  /** Why the event's time was not used (source `clock` only). */
  warning?: string;
}

// EventBridge writes RFC 3339 UTC times such as 2026-11-22T00:05:00Z; nothing looser is accepted,
// so a local time without an offset cannot be read in the wrong zone.
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The event's scheduled time when it is present, parses, and lies between
 * `max(period, 5 min)` before and 60 s after the handler's clock; otherwise the handler's
 * clock floored to the minute (the period a scheduled run of that minute belongs to), with a
 * warning saying why. A run that starts later than that was delivered late (Lambda's async
 * queue keeps an event up to 6 hours,
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html): its results describe the service now,
 * so they belong to the current minute, not to a period whose alarms have long judged it.
 */
export function invocationTimestamp(scheduledTime: string | undefined, nowMs: number, periodSeconds: number): InvocationTimestamp {
  const clock = Math.floor(nowMs / 60_000) * 60_000;
  const maxLagMs = Math.max(periodSeconds * 1000, MIN_ACCEPTED_LAG_MS);
  const parsed = scheduledTime !== undefined && EVENT_TIME.test(scheduledTime) ? Date.parse(scheduledTime) : Number.NaN;
  const lag = nowMs - parsed;
  if (Number.isFinite(parsed) && lag <= maxLagMs && lag >= -MAX_FUTURE_SKEW_MS) return { timestamp: Math.floor(parsed / 1000) * 1000, source: 'event' };
  const received = scheduledTime === undefined ? 'none' : Number.isFinite(parsed) ? `${scheduledTime}, ${Math.abs(Math.round(lag / 1000))} s ${lag < 0 ? 'after' : 'before'} the handler's clock` : JSON.stringify(scheduledTime.slice(0, 64));
  return {
    timestamp: clock,
    source: 'clock',
    warning: `event time: expected an RFC 3339 UTC time from ${maxLagMs / 1000} s before to ${MAX_FUTURE_SKEW_MS / 1000} s after the handler's clock, received ${received}; datums carry the handler's minute, ${new Date(clock).toISOString()}`,
  };
}
