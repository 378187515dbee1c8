// The monitor's outbox: every notification is written (and synced) here before it is sent,
// and each destination that accepted it is marked (and synced) right after. So a crash at any
// point leaves a notification either delivered and marked, or pending; a restart sends the
// pending ones again, to the destinations that have not accepted them, under the same id.
//
// Exactly once, honestly: the only window for a repeat is a crash after a receiver accepted a
// request and before its mark was synced. Every request carries the notification's id (the
// `x-probe-fleet-notification-id` and `Idempotency-Key` headers), and a PagerDuty event its
// alarm's dedup_key, which PagerDuty folds into the open incident; a chat webhook that does
// not read the id (Slack, Teams and Google Chat incoming webhooks do not) may show a repeat
// from that window.
//
// A notification that keeps failing is retried with backoff for a bounded time, then kept
// (state `kept`) until `probe-fleet monitor --resend-undelivered` queues it again.
//
// File: `outbox.jsonl`, one JSON record per line, appended: `pending` (the notification),
// `delivered` (one destination accepted it), `done` (every destination has it), `kept` (given
// up), `resend` (queued again by the operator). Open replays it, cuts a torn last line, and
// rewrites it without finished notifications once it has grown.
import { closeSync, existsSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmEvent } from '../notify/alarmEvent.js';
import type { RouteName } from '../notify/notifyConfig.js';

export const OUTBOX_FILE = 'outbox.jsonl';
/** Retry a failing notification this long after it was first written, then keep it (default). */
export const DEFAULT_RETRY_FOR_MS = 3600_000;
/** Waits between the outbox's own rounds of attempts (each round already retries in-process). */
export const RETRY_BACKOFF_MS = { first: 10_000, max: 300_000 } as const;
/** Rewrite the file on open once it holds this many bytes. */
const COMPACT_AT_BYTES = 1_000_000;

export type OutboxState = 'pending' | 'done' | 'kept';

export interface OutboxEntry {
  /** `<alarm name>@<state>@<changedAt>`: the same alarm change always has the same id. */
  id: string;
  /** Epoch ms the notification was first written. */
  createdAt: number;
  route: RouteName;
  event: AlarmEvent;
  /** Destinations (by name, never a URL) that accepted it. */
  delivered: string[];
  state: OutboxState;
  /** Rounds of attempts made by this process (not persisted: a restart tries at once). */
  rounds: number;
  lastError: string | null;
  /** For a recovery: the id of the alarm notification it follows (its destinations bound the recovery's). */
  recoveryOf: string | null;
}

/** What the last notification of an alarm was, and where it went: recoveries follow it. */
export interface LastNotified {
  id: string;
  state: AlarmEvent['state'];
  route: RouteName;
  delivered: string[];
  entryState: OutboxState;
}

type OutboxRecord =
  | { op: 'pending'; id: string; at: number; route: RouteName; event: AlarmEvent; recoveryOf?: string | null }
  | { op: 'delivered'; id: string; destination: string; at: number }
  | { op: 'done'; id: string; at: number }
  | { op: 'kept'; id: string; at: number; error: string }
  | { op: 'resend'; id: string; at: number };

export class OutboxError extends Error {
  readonly kind = 'outbox_failed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function notificationId(event: Pick<AlarmEvent, 'alarmName' | 'state' | 'changedAt'>): string {
  return `${event.alarmName}@${event.state}@${event.changedAt}`;
}

export class Outbox {
  readonly file: string;
  private fd: number | null = null;
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly last = new Map<string, string>();
  /** Whether the file existed at open: without it, there is no record of what was already said. */
  readonly hadHistory: boolean;

  private constructor(
    readonly dir: string,
    hadHistory: boolean,
  ) {
    this.file = join(dir, OUTBOX_FILE);
    this.hadHistory = hadHistory;
  }

  /** Opens the outbox of a data directory the caller has locked (the result store's lock). */
  static open(dir: string): Outbox {
    const file = join(dir, OUTBOX_FILE);
    const outbox = new Outbox(dir, existsSync(file));
    if (outbox.hadHistory) {
      const buffer = readFileSync(file);
      const lastNewline = buffer.lastIndexOf(0x0a);
      // A line the writer never finished (killed mid-write) is not a record.
      const text = buffer.subarray(0, lastNewline + 1).toString('utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        let record: OutboxRecord;
        try {
          record = JSON.parse(line) as OutboxRecord;
        } catch {
          continue;
        }
        outbox.apply(record);
      }
      if (lastNewline !== buffer.length - 1 || statSync(file).size > COMPACT_AT_BYTES) outbox.rewrite();
    }
    outbox.fd = openSync(file, 'a');
    return outbox;
  }

  private apply(record: OutboxRecord): void {
    if (record.op === 'pending') {
      if (this.entries.has(record.id)) return;
      this.entries.set(record.id, { id: record.id, createdAt: record.at, route: record.route, event: record.event, delivered: [], state: 'pending', rounds: 0, lastError: null, recoveryOf: record.recoveryOf ?? null });
      this.last.set(record.event.alarmName, record.id);
      return;
    }
    const entry = this.entries.get(record.id);
    if (!entry) return;
    switch (record.op) {
      case 'delivered':
        if (!entry.delivered.includes(record.destination)) entry.delivered.push(record.destination);
        break;
      case 'done':
        entry.state = 'done';
        break;
      case 'kept':
        entry.state = 'kept';
        entry.lastError = record.error;
        break;
      case 'resend':
        entry.state = 'pending';
        // The retry window starts again: the operator asked for another try.
        entry.createdAt = record.at;
        break;
    }
  }

  /** Appends and syncs one record; the caller's next step (sending, reporting) depends on it being on disk. */
  private write(record: OutboxRecord): void {
    if (this.fd === null) throw new OutboxError(`outbox ${this.file}: expected an open outbox, it is closed`, false);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    try {
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written);
      fdatasyncSync(this.fd);
    } catch (error) {
      throw new OutboxError(`outbox ${this.file}: could not write the ${record.op} record of ${record.id} (${(error as Error).message}); retry is safe`, true);
    }
    this.apply(record);
  }

  /** Writes a notification before anything is sent. The same alarm change twice is one notification. */
  enqueue(event: AlarmEvent, route: RouteName, now: number, recoveryOf: string | null = null): OutboxEntry {
    const id = notificationId(event);
    const existing = this.entries.get(id);
    if (existing) return existing;
    this.write({ op: 'pending', id, at: now, route, event, recoveryOf });
    return this.entries.get(id)!;
  }

  markDelivered(id: string, destination: string, now: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.delivered.includes(destination)) return;
    this.write({ op: 'delivered', id, destination, at: now });
  }

  markDone(id: string, now: number): void {
    if (this.entries.get(id)?.state === 'pending') this.write({ op: 'done', id, at: now });
  }

  markKept(id: string, error: string, now: number): void {
    if (this.entries.get(id)?.state === 'pending') this.write({ op: 'kept', id, at: now, error });
  }

  /** Queues every kept notification again; returns them. */
  resendKept(now: number): OutboxEntry[] {
    const kept = [...this.entries.values()].filter((e) => e.state === 'kept');
    for (const entry of kept) this.write({ op: 'resend', id: entry.id, at: now });
    return kept;
  }

  /** Notifications not yet delivered everywhere, oldest first. */
  pending(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.state === 'pending').sort((a, b) => a.createdAt - b.createdAt);
  }

  kept(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.state === 'kept');
  }

  get(id: string): OutboxEntry | undefined {
    return this.entries.get(id);
  }

  /** The alarm notification a recovery follows, if it is known. */
  alarmOf(recovery: OutboxEntry): OutboxEntry | undefined {
    return recovery.recoveryOf === null ? undefined : this.entries.get(recovery.recoveryOf);
  }

  /** The latest notification written for an alarm, if any. */
  lastNotified(alarmName: string): LastNotified | null {
    const id = this.last.get(alarmName);
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (!entry) return null;
    return { id: entry.id, state: entry.event.state, route: entry.route, delivered: [...entry.delivered], entryState: entry.state };
  }

  /** A per-notification view for dispatch: which destinations already have it, and marking the ones that accept it. */
  ledgerFor(id: string, now: () => number): { has: (messageId: string, destination: string) => boolean; add: (messageId: string, destination: string) => void } {
    return {
      has: (_messageId, destination) => this.entries.get(id)?.delivered.includes(destination) ?? false,
      add: (_messageId, destination) => this.markDelivered(id, destination, now()),
    };
  }

  /**
   * Keeps what is still needed: unfinished notifications with their marks, and each alarm's
   * latest notification (recoveries follow where it went). Written beside, synced, renamed.
   */
  private rewrite(): void {
    const keep = new Set<string>([...this.last.values()]);
    for (const e of this.entries.values()) if (e.state !== 'done') keep.add(e.id);
    // A kept recovery still needs the alarm it follows to know where it may go.
    for (const e of [...this.entries.values()]) if (keep.has(e.id) && e.recoveryOf !== null) keep.add(e.recoveryOf);
    for (const id of [...this.entries.keys()]) if (!keep.has(id)) this.entries.delete(id);
    const lines: string[] = [];
    for (const e of this.entries.values()) {
      lines.push(JSON.stringify({ op: 'pending', id: e.id, at: e.createdAt, route: e.route, event: e.event, recoveryOf: e.recoveryOf }));
      for (const d of e.delivered) lines.push(JSON.stringify({ op: 'delivered', id: e.id, destination: d, at: e.createdAt }));
      if (e.state === 'done') lines.push(JSON.stringify({ op: 'done', id: e.id, at: e.createdAt }));
      if (e.state === 'kept') lines.push(JSON.stringify({ op: 'kept', id: e.id, at: e.createdAt, error: e.lastError ?? '' }));
    }
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** The wait before round `rounds + 1` of attempts: doubling from 10 s, at most 5 min. */
export function retryDelayMs(rounds: number): number {
  return Math.min(RETRY_BACKOFF_MS.max, RETRY_BACKOFF_MS.first * 2 ** Math.max(0, rounds - 1));
}
