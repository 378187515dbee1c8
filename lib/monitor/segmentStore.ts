// The monitor's result store as a segmented log: one append-only file per UTC hour under
// `results/`, one result per line. A week of 50 checks at one minute (about 504,000 results)
// restarts in well under a second and a few tens of MB, and dropping old results is deleting
// whole files, which never blocks the event loop (a single-file log had to be re-read and
// rewritten: seconds of blocking and gigabytes at restart).
//
// A line: `<id>\t<checkId>\t<environment>\t<location>\t<startMs>\t<flags>\t<durationMs>\t<status>\t<certDays>\t<full result JSON>`.
// The leading columns are what a restart needs (history points and alarm state); only failing
// results, which carry their failure text, have their JSON parsed at restart.
// - append: write the line, then fdatasync, then report. A reported result is on disk.
// - open: each segment's torn last line (the process died mid-write) is cut; a slot id seen
//   twice in a segment (a re-run of the slot after a restart lands in the same hour) is dropped.
// - retention: segments whose hour ended before now − retention are deleted.
// - lock: one live process per data directory (`monitor.lock`, shared with the older store).
// An older `results.jsonl` (the single-file store) is read once and moved into segments.
import { fdatasync as fdatasyncCb, write as writeCb } from 'node:fs';
import { promisify } from 'node:util';
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, Phases } from '../model/result.js';
import type { OpenReport, StaleLock, StoredResult } from './store.js';
import { DEFAULT_RETENTION_MS, RESULTS_FILE, StoreError, acquireLock, releaseLock, syncDirectory } from './store.js';

export const SEGMENTS_DIR = 'results';
const writeAsync = promisify(writeCb);
const fdatasyncAsync = promisify(fdatasyncCb);
const HOUR = 3600_000;
/** Ids kept in memory to refuse a second result for a slot: a restart can only re-run recent slots. */
const RECENT_IDS_MS = 3 * HOUR;

const EMPTY_PHASES: Phases = Object.freeze({ dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, transferMs: 0 });

export function segmentName(startMs: number): string {
  return `${new Date(Math.floor(startMs / HOUR) * HOUR).toISOString().slice(0, 13)}.log`;
}

function segmentHour(name: string): number | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d)\.log$/.exec(name);
  return m ? Date.parse(`${m[1]}:00:00.000Z`) : null;
}

export function segmentLine(entry: StoredResult): string {
  const r = entry.result;
  const flags = `${r.ok ? 1 : 0}${r.degraded ? 1 : 0}${r.skipped ? 1 : 0}`;
  return `${entry.id}\t${r.checkId}\t${r.environment}\t${r.location}\t${Date.parse(r.startedAt)}\t${flags}\t${r.durationMs}\t${r.status ?? ''}\t${r.certDaysRemaining ?? ''}\t${JSON.stringify(entry)}\n`;
}

/**
 * A result rebuilt from a line's columns: every field the monitor reads at restart (state,
 * duration, status, certificate days; failures are parsed in full). Phases, assertions and
 * bytes are not replayed: the status page and alarms never read them from history.
 */
function slimResult(cols: string[], json: () => string): StoredResult | null {
  const [id, checkId, environment, location, start, flags, duration, status, cert] = cols as [string, string, string, string, string, string, string, string, string];
  const startMs = Number(start);
  if (!Number.isFinite(startMs) || flags.length !== 3) return null;
  if (flags[0] === '0') {
    // A failure: its text matters (the page and the alarm messages quote it), so the whole result.
    try {
      const parsed = JSON.parse(json()) as StoredResult;
      return parsed.id === id ? parsed : null;
    } catch {
      return null;
    }
  }
  const result: CheckResult = {
    checkId,
    environment,
    location,
    runId: '',
    startedAt: new Date(startMs).toISOString(),
    ok: true,
    degraded: flags[1] === '1',
    durationMs: Number(duration),
    phases: EMPTY_PHASES,
    status: status === '' ? null : Number(status),
    bytes: 0,
    certDaysRemaining: cert === '' ? null : Number(cert),
    assertions: [],
    failure: null,
    attempts: 1,
    flaky: false,
    ...(flags[2] === '1' ? { skipped: true } : {}),
  };
  return { id, result };
}

/** Reads a non-negative decimal (digits and one dot) from bytes without making a string; NaN if none. */
function numberAt(buffer: Buffer, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let value = 0;
  let scale = 0;
  for (let i = from; i < to; i++) {
    const c = buffer[i]!;
    if (c === 0x2e && scale === 0) scale = 1;
    else if (c >= 0x30 && c <= 0x39) {
      if (scale === 0) value = value * 10 + (c - 0x30);
      else value += (c - 0x30) / (scale *= 10);
    } else return Number(buffer.toString('latin1', from, to));
  }
  return value;
}

/**
 * One stored run as the restart reads it: its columns, read straight from the segment's bytes
 * (a week is half a million rows, so no per-column strings), and the whole result on demand.
 */
export class ReplayRow {
  constructor(
    private readonly knownId: string | null,
    /** `<checkId>\t<environment>`: the target this run belongs to. */
    readonly targetKey: string,
    readonly startMs: number,
    readonly ok: boolean,
    readonly degraded: boolean,
    readonly skipped: boolean,
    readonly durationMs: number,
    readonly certDays: number | null,
    private readonly buffer: Buffer,
    private readonly lineStart: number,
    private readonly lineEnd: number,
  ) {}

  /** The slot id (decoded on demand: most rows are never asked). */
  get id(): string {
    return this.knownId ?? this.buffer.toString('utf8', this.lineStart, this.buffer.indexOf(0x09, this.lineStart));
  }

  /** The result (parsed for a failure, rebuilt from the columns otherwise); null when the line is damaged. */
  entry(): StoredResult | null {
    const line = this.buffer.toString('utf8', this.lineStart, this.lineEnd);
    const cols = line.split('\t', 9);
    if (cols.length !== 9) return null;
    return slimResult(cols, () => line.slice(line.indexOf('\t{') + 1));
  }
}

export class SegmentedResultStore {
  readonly file: string;
  private fd: number | null = null;
  private fdSegment: string | null = null;
  private readonly recent = new Map<string, number>();
  private count = 0;
  private lockToken: string | null = null;
  tookOverLock: StaleLock | null = null;

  private constructor(
    readonly dir: string,
    private readonly retentionMs: number,
  ) {
    this.file = join(dir, SEGMENTS_DIR);
  }

  /**
   * Opens (creating) the store. `replay` is called once per retained result, oldest segment
   * first, and the result is not kept: the caller keeps what it needs. Async between segments,
   * so a long replay never holds the event loop for more than one hour's segment.
   */
  static async open(dir: string, replay: (row: ReplayRow) => void, options: { retentionMs?: number; now?: number } = {}): Promise<{ store: SegmentedResultStore; report: OpenReport }> {
    const store = SegmentedResultStore.lock(dir, options);
    const report = await store.replay(replay, options.now);
    return { store, report };
  }

  /** Takes the directory's lock without reading anything yet (the reader may need the store first). */
  static lock(dir: string, options: { retentionMs?: number } = {}): SegmentedResultStore {
    const store = new SegmentedResultStore(dir, options.retentionMs ?? DEFAULT_RETENTION_MS);
    mkdirSync(store.file, { recursive: true });
    const lock = acquireLock(dir);
    store.lockToken = lock.token;
    store.tookOverLock = lock.tookOver;
    return store;
  }

  /** Reads every retained result into `replay` (see open). Closes the store if reading fails. */
  async replay(replay: (row: ReplayRow) => void, now = Date.now()): Promise<OpenReport> {
    try {
      return await this.load(now, replay);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private segments(): { name: string; hour: number }[] {
    return readdirSync(this.file)
      .map((name) => ({ name, hour: segmentHour(name) }))
      .filter((s): s is { name: string; hour: number } => s.hour !== null)
      .sort((a, b) => a.hour - b.hour);
  }

  private async load(now: number, replay: (row: ReplayRow) => void): Promise<OpenReport> {
    const report: OpenReport = { loaded: 0, tornBytes: 0, corruptLines: 0, duplicates: 0 };
    this.migrateSingleFile();
    this.dropExpired(now);
    for (const { name, hour } of this.segments()) {
      const path = join(this.file, name);
      // Only a segment a restart could re-run slots in (the last hours) can hold a slot twice;
      // older ones are read without decoding ids.
      const recentSegment = hour + HOUR > now - RECENT_IDS_MS;
      const buffer = readFileSync(path);
      const lastNewline = buffer.lastIndexOf(0x0a);
      if (lastNewline !== buffer.length - 1) {
        // The writer died mid-line: cut it, so the next append starts on a clean line.
        report.tornBytes += buffer.length - (lastNewline + 1);
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, lastNewline + 1);
          fdatasyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      // Only the id and the target are decoded; numbers are read from the bytes, and the JSON
      // stays bytes in the segment's buffer until a row needs it.
      const seen = new Set<string>();
      const tabs = new Int32Array(9);
      let start = 0;
      const limit = lastNewline + 1;
      while (start < limit) {
        const lineStart = start;
        // The columns are short: a plain loop finds their tabs faster than nine native calls.
        let found = 0;
        let i = lineStart;
        for (; i < limit && found < 9; i++) {
          const c = buffer[i]!;
          if (c === 0x0a) break;
          if (c === 0x09) tabs[found++] = i;
        }
        const end = buffer.indexOf(0x0a, i);
        start = end + 1;
        const startMs = found === 9 ? numberAt(buffer, tabs[3]! + 1, tabs[4]!) : Number.NaN;
        if (found !== 9 || !Number.isFinite(startMs) || tabs[5]! - tabs[4]! !== 4) {
          report.corruptLines++;
          continue;
        }
        let id: string | null = null;
        if (recentSegment) {
          id = buffer.toString('utf8', lineStart, tabs[0]);
          if (seen.has(id)) {
            report.duplicates++;
            continue;
          }
          seen.add(id);
          if (startMs >= now - RECENT_IDS_MS) this.recent.set(id, startMs);
        }
        if (startMs < now - this.retentionMs) continue;
        this.count++;
        report.loaded++;
        const f = tabs[4]! + 1;
        replay(
          new ReplayRow(
            id,
            buffer.toString('utf8', tabs[0]! + 1, tabs[2]),
            startMs,
            buffer[f] === 0x31,
            buffer[f + 1] === 0x31,
            buffer[f + 2] === 0x31,
            numberAt(buffer, tabs[5]! + 1, tabs[6]!),
            tabs[8]! - tabs[7]! > 1 ? numberAt(buffer, tabs[7]! + 1, tabs[8]!) : null,
            buffer,
            lineStart,
            end,
          ),
        );
      }
      // One segment at a time: whatever else shares the loop gets a turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return report;
  }

  /** The single-file store of earlier versions, moved into segments once (then renamed aside). */
  private migrateSingleFile(): void {
    const old = join(this.dir, RESULTS_FILE);
    if (!existsSync(old)) return;
    const text = readFileSync(old, 'utf8');
    const bySegment = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const entry = JSON.parse(line) as StoredResult;
        const name = segmentName(Date.parse(entry.result.startedAt));
        const list = bySegment.get(name) ?? [];
        list.push(segmentLine(entry));
        bySegment.set(name, list);
      } catch {
        /* a torn or damaged line of the old file: the old store skipped it too */
      }
    }
    for (const [name, lines] of bySegment) {
      const fd = openSync(join(this.file, name), 'a');
      try {
        writeSync(fd, lines.join(''));
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(old, `${old}.migrated`);
    syncDirectory(this.dir);
  }

  private dropExpired(now: number): number {
    let dropped = 0;
    for (const { name, hour } of this.segments()) {
      if (hour + HOUR > now - this.retentionMs) break;
      if (name === this.fdSegment) continue;
      unlinkSync(join(this.file, name));
      dropped++;
    }
    return dropped;
  }

  has(id: string): boolean {
    return this.recent.has(id);
  }

  get size(): number {
    return this.count;
  }

  private queue: { name: string; line: Buffer; done: (error: Error | null) => void }[] = [];
  private flushing = false;

  /**
   * Appends and syncs; resolves false when a result with this id is already stored (nothing
   * written), true once the line is on disk. The write and the sync run on libuv's thread pool,
   * and results that arrive together share one sync (group commit): 50 checks finishing in the
   * same instant cost one fdatasync, and the event loop never waits for the disk.
   */
  append(entry: StoredResult): Promise<boolean> {
    if (this.lockToken === null) return Promise.reject(new StoreError(`result store ${this.file}: expected an open store, it is closed`, false));
    if (this.recent.has(entry.id)) return Promise.resolve(false);
    const startMs = Date.parse(entry.result.startedAt);
    // Reserved now, so a second append of the slot while this one is on its way is refused.
    this.recent.set(entry.id, startMs);
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({
        name: segmentName(startMs),
        line: Buffer.from(segmentLine(entry), 'utf8'),
        done: (error) => {
          if (error) {
            this.recent.delete(entry.id);
            reject(new StoreError(`result store ${this.file}: could not append result ${entry.id} (${error.message}); the result was not recorded, retry is safe`, true));
            return;
          }
          this.count++;
          resolve(true);
        },
      });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    // Whatever else finishes in this turn of the loop joins the batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const bySegment = new Map<string, typeof batch>();
      for (const item of batch) {
        const list = bySegment.get(item.name) ?? [];
        list.push(item);
        bySegment.set(item.name, list);
      }
      for (const [name, items] of bySegment) {
        try {
          if (this.fdSegment !== name || this.fd === null) {
            if (this.fd !== null) closeSync(this.fd);
            this.fd = null;
            this.fd = openSync(join(this.file, name), 'a');
            this.fdSegment = name;
          }
          const data = Buffer.concat(items.map((i) => i.line));
          let written = 0;
          while (written < data.length) written += (await writeAsync(this.fd, data, written, data.length - written)).bytesWritten;
          await fdatasyncAsync(this.fd);
          for (const item of items) item.done(null);
        } catch (error) {
          for (const item of items) item.done(error as Error);
        }
      }
    }
    this.flushing = false;
  }

  /** Deletes segments past the retention and forgets old slot ids; a few unlinks, no rewrite. Returns segments dropped. */
  compact(now = Date.now()): number {
    for (const [id, t] of this.recent) if (t < now - RECENT_IDS_MS) this.recent.delete(id);
    const dropped = this.dropExpired(now);
    if (dropped > 0) this.count = this.countLines();
    return dropped;
  }

  private countLines(): number {
    // Only after a drop, once an hour: counts newlines without parsing.
    let n = 0;
    for (const { name } of this.segments()) {
      const buffer = readFileSync(join(this.file, name));
      for (let i = buffer.indexOf(0x0a); i >= 0; i = buffer.indexOf(0x0a, i + 1)) n++;
    }
    return n;
  }

  bytes(): number {
    let total = 0;
    for (const { name } of this.segments()) total += statSync(join(this.file, name)).size;
    return total;
  }

  close(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      closeSync(fd);
    }
    if (this.lockToken !== null) {
      releaseLock(this.dir, this.lockToken);
      this.lockToken = null;
    }
  }
}

/** Every stored id of a data directory's segments, oldest first (tests and tools). */
export function storedIdsOf(dir: string): string[] {
  const folder = join(dir, SEGMENTS_DIR);
  if (!existsSync(folder)) return [];
  const ids: string[] = [];
  for (const name of readdirSync(folder).filter((n) => segmentHour(n) !== null).sort()) {
    for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) if (line !== '') ids.push(line.slice(0, line.indexOf('\t')));
  }
  return ids;
}

