// What can invoke the probe: the EventBridge rule's target input `{ "shard": "<id>", "time":
// "<the event's time>" }` (an input transformer copies the scheduled time in), or a full
// EventBridge scheduled event carrying the shard in `detail`. Anything else is a value
// describing what was wrong, never an exception. The time is passed on as received: whether
// it can be used is decided against the clock (scheduledTime.ts), and a bad one never stops a run.

export interface ShardInvocation {
  shard: string;
  source: 'input' | 'scheduled-event';
  /** The event's `time` as received, unvalidated (a value that is not a string, as JSON text). */
  scheduledTime?: string;
}

export interface InvalidEvent {
  kind: 'invalid_event';
  message: string;
  retryable: false;
}

export type ParsedEvent = { ok: true; invocation: ShardInvocation } | { ok: false; error: InvalidEvent };

const EXPECTED = 'expected { "shard": "<id>" } or an EventBridge "Scheduled Event" with detail.shard';

function invalid(received: string): ParsedEvent {
  return { ok: false, error: { kind: 'invalid_event', message: `probe event: ${EXPECTED}, received ${received}`, retryable: false } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value;
  const keys = Object.keys(value).slice(0, 8);
  return `an object with keys [${keys.join(', ')}]`;
}

function shardId(value: unknown): string | null {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9-]{0,127}$/.test(value) ? value : null;
}

function timeOf(record: Record<string, unknown>): Pick<ShardInvocation, 'scheduledTime'> {
  if (record.time === undefined) return {};
  // Not a string: kept as JSON text, which no time format accepts, so the warning shows it.
  return { scheduledTime: typeof record.time === 'string' ? record.time : (JSON.stringify(record.time) ?? typeof record.time) };
}

export function parseProbeEvent(event: unknown): ParsedEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return invalid(describe(event));
  const record = event as Record<string, unknown>;
  if (record['detail-type'] !== undefined || record.source !== undefined) {
    if (record['detail-type'] !== 'Scheduled Event' || record.source !== 'aws.events') {
      return invalid(`an EventBridge event of detail-type ${JSON.stringify(record['detail-type'])} from ${JSON.stringify(record.source)}`);
    }
    const detail = record.detail as Record<string, unknown> | undefined;
    const shard = shardId(detail?.shard);
    if (shard === null) return invalid(`a Scheduled Event whose detail.shard is ${JSON.stringify(detail?.shard) ?? 'missing'}`);
    return { ok: true, invocation: { shard, source: 'scheduled-event', ...timeOf(record) } };
  }
  if ('shard' in record) {
    const shard = shardId(record.shard);
    if (shard === null) return invalid(`shard ${JSON.stringify(record.shard) ?? 'undefined'} (ids are lowercase letters, digits and dashes)`);
    return { ok: true, invocation: { shard, source: 'input', ...timeOf(record) } };
  }
  return invalid(describe(event));
}
