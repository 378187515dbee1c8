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
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, Phases } from '../model/result.js';
import type { OpenReport, StaleLock, StoredResult } from './store.js';
import { DEFAULT_RETENTION_MS, RESULTS_FILE, StoreError, acquireLock, releaseLock, syncDirectory } from './store.js';

export const SEGMENTS_DIR = 'results';
const HOUR = 3600_000;
/** Ids kept in memory to refuse a second result for a slot: a restart can only re-run recent slots. */
const RECENT_IDS_MS = 3 * HOUR;

const EMPTY_PHASES: Phases = Object.freeze({ dnsMs: 0, connectMs: 0, tlsMs: 0, ttfbMs: 0, transferMs: 0 }) as Phases;

function segmentName(startMs: number): string {
  return `${new Date(Math.floor(startMs / HOUR) * HOUR).toISOString().slice(0, 13)}.log`;
}

function segmentHour(name: string): number | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d)\.log$/.exec(name);
  return m ? Date.parse(`${m[1]}:00:00.000Z`) : null;
}

function lineOf(entry: StoredResult): string {
  const r = entry.result;
  const flags = `${r.ok ? 1 : 0}${r.degraded ? 1 : 0}${r.skipped ? 1 : 0}`;
  return `${entry.id}\t${r.checkId}\t${r.environment}\t${r.location}\t${Date.parse(r.startedAt)}\t${flags}\t${r.durationMs}\t${r.status ?? ''}\t${r.certDaysRemaining ?? ''}\t${JSON.stringify(entry)}\n`;
}

/**
 * A result rebuilt from a line's columns: every field the monitor reads at restart (state,
 * duration, status, certificate days; failures are parsed in full). Phases, assertions and
 * bytes are not replayed: the status page and alarms never read them from history.
 */
function slimResult(cols: string[], line: string): StoredResult | null {
  const [id, checkId, environment, location, start, flags, duration, status, cert] = cols as [string, string, string, string, string, string, string, string, string];
  const startMs = Number(start);
  if (!Number.isFinite(startMs) || flags.length !== 3) return null;
  if (flags[0] === '0') {
    // A failure: its text matters (the page and the alarm messages quote it), so the whole result.
    try {
      const parsed = JSON.parse(line.slice(line.indexOf('\t{') + 1)) as StoredResult;
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
  static async open(dir: string, replay: (entry: StoredResult) => void, options: { retentionMs?: number; now?: number } = {}): Promise<{ store: SegmentedResultStore; report: OpenReport }> {
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
  async replay(replay: (entry: StoredResult) => void, now = Date.now()): Promise<OpenReport> {
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

  private async load(now: number, replay: (entry: StoredResult) => void): Promise<OpenReport> {
    const report: OpenReport = { loaded: 0, tornBytes: 0, corruptLines: 0, duplicates: 0 };
    this.migrateSingleFile();
    this.dropExpired(now);
    for (const { name } of this.segments()) {
      const path = join(this.file, name);
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
      const text = buffer.toString('utf8', 0, lastNewline + 1);
      const seen = new Set<string>();
      let start = 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        const line = text.slice(start, end);
        start = end + 1;
        const cols = line.split('\t', 9);
        const entry = cols.length === 9 ? slimResult(cols, line) : null;
        if (!entry) {
          report.corruptLines++;
          continue;
        }
        if (seen.has(entry.id)) {
          report.duplicates++;
          continue;
        }
        seen.add(entry.id);
        const startMs = Date.parse(entry.result.startedAt);
        if (startMs < now - this.retentionMs) continue;
        if (startMs >= now - RECENT_IDS_MS) this.recent.set(entry.id, startMs);
        this.count++;
        report.loaded++;
        replay(entry);
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
        list.push(lineOf(entry));
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

  /** Appends and syncs; false when a result with this id is already stored (nothing written). */
  append(entry: StoredResult): boolean {
    if (this.lockToken === null) throw new StoreError(`result store ${this.file}: expected an open store, it is closed`, false);
    if (this.recent.has(entry.id)) return false;
    const startMs = Date.parse(entry.result.startedAt);
    const name = segmentName(startMs);
    try {
      if (this.fdSegment !== name || this.fd === null) {
        if (this.fd !== null) closeSync(this.fd);
        this.fd = null;
        this.fd = openSync(join(this.file, name), 'a');
        this.fdSegment = name;
      }
      const line = Buffer.from(lineOf(entry), 'utf8');
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written);
      fdatasyncSync(this.fd);
    } catch (error) {
      throw new StoreError(`result store ${this.file}: could not append result ${entry.id} (${(error as Error).message}); the result was not recorded, retry is safe`, true);
    }
    this.recent.set(entry.id, startMs);
    this.count++;
    return true;
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

