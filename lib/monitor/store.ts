// The monitor's result store: an append-only JSON-lines file, one result per line, each with
// an id naming the schedule slot it belongs to (`<target>@<slot time>`).
// - append: write the line, then fdatasync, then report the result. A result that was reported
//   is on disk; a crash before the sync loses only a result nobody was told about.
// - open: a torn last line (the process died mid-write) is cut off; lines with an id already
//   seen are dropped, so a re-run of the same slot after a restart never counts twice.
// - compaction: results older than the retention are dropped by writing a new file beside the
//   old one, syncing it, and renaming it over the old one (atomic on POSIX file systems).
// - lock: open and compaction rewrite the file, which is only safe if nobody else appends to
//   it, so the directory is locked by one live process at a time (`monitor.lock`, its pid).
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../model/result.js';

export const RESULTS_FILE = 'results.jsonl';
export const LOCK_FILE = 'monitor.lock';
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;

export interface StoredResult {
  id: string;
  result: CheckResult;
}

export interface OpenReport {
  /** Results loaded. */
  loaded: number;
  /** Bytes cut from a torn last line. */
  tornBytes: number;
  /** Unreadable lines skipped (not the last). */
  corruptLines: number;
  /** Lines dropped because their id was already present. */
  duplicates: number;
}

export class StoreError extends Error {
  readonly kind = 'store_failed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Another live process holds the data directory: starting again will not help until it stops. */
export class StoreLockedError extends StoreError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `data directory ${dir} is in use by another monitor (pid ${pid}); expected a directory no running monitor holds. Stop that monitor or pick another --data; if no such process is yours, remove ${join(dir, LOCK_FILE)}`,
      false,
    );
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock left behind by a process that is gone, taken over at open. */
export interface StaleLock {
  file: string;
  /** Null when the lock file could not be read (its writer died while creating it). */
  pid: number | null;
}

interface LockHolder {
  pid: number;
  token: string;
}

function readLock(file: string): LockHolder | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 ? { pid: value.pid, token: typeof value.token === 'string' ? value.token : '' } : null;
  } catch {
    return null;
  }
}

/**
 * Takes the directory's lock: a file created with O_EXCL holding this process's pid. A lock
 * left by a process that is gone (SIGKILL, crash) is taken over. Returns the token that proves
 * ownership at release, and the pid of a dead holder whose lock was taken over, if any.
 */
export function acquireLock(dir: string): { token: string; tookOver: StaleLock | null } {
  const file = join(dir, LOCK_FILE);
  const token = randomUUID();
  const body = `${JSON.stringify({ pid: process.pid, token, since: new Date().toISOString() })}\n`;
  let tookOver: StaleLock | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return { token, tookOver };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(file);
    // An unreadable lock is one whose writer died between create and write: nobody holds it.
    if (holder !== null && pidAlive(holder.pid)) throw new StoreLockedError(dir, holder.pid);
    tookOver = { file, pid: holder?.pid ?? null };
    // Two starts racing for the same stale lock: both may unlink, only one O_EXCL create wins,
    // the other sees a live holder on its next turn.
    rmSync(file, { force: true });
  }
  throw new StoreError(`data directory ${dir}: could not take ${LOCK_FILE}, other processes kept taking it over; retry is safe`, true);
}

export function releaseLock(dir: string, token: string): void {
  const file = join(dir, LOCK_FILE);
  // Only our own lock: never remove one a later process took over.
  if (readLock(file)?.token !== token) return;
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

export function syncDirectory(dir: string): void {
  // Makes a rename durable; some platforms cannot open directories, which is harmless there.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported on this platform */
  }
}

function parseLine(line: string): StoredResult | null {
  try {
    const value = JSON.parse(line) as Partial<StoredResult>;
    if (typeof value.id !== 'string' || typeof value.result !== 'object' || value.result === null) return null;
    if (typeof value.result.startedAt !== 'string' || typeof value.result.checkId !== 'string') return null;
    return value as StoredResult;
  } catch {
    return null;
  }
}

export class ResultStore {
  readonly file: string;
  private fd: number | null = null;
  private readonly ids = new Set<string>();
  private appendsSinceCompaction = 0;
  private lockToken: string | null = null;
  /** The lock of a dead monitor this store took over at open, for the start-up log. */
  tookOverLock: StaleLock | null = null;

  private constructor(
    readonly dir: string,
    private readonly retentionMs: number,
  ) {
    this.file = join(dir, RESULTS_FILE);
  }

  /** Opens (creating) the store and returns every retained result, oldest first by file order. */
  static open(dir: string, options: { retentionMs?: number; now?: number } = {}): { store: ResultStore; results: StoredResult[]; report: OpenReport } {
    const store = new ResultStore(dir, options.retentionMs ?? DEFAULT_RETENTION_MS);
    mkdirSync(dir, { recursive: true });
    // Before anything is read or cut: a live monitor may be appending to this file.
    const lock = acquireLock(dir);
    store.lockToken = lock.token;
    store.tookOverLock = lock.tookOver;
    try {
      return store.load(options.now ?? Date.now());
    } catch (error) {
      store.close();
      throw error;
    }
  }

  private load(now: number): { store: ResultStore; results: StoredResult[]; report: OpenReport } {
    // A compaction that died before its rename leaves only this temporary file behind.
    rmSync(`${this.file}.tmp`, { force: true });
    const report: OpenReport = { loaded: 0, tornBytes: 0, corruptLines: 0, duplicates: 0 };
    const results: StoredResult[] = [];
    if (existsSync(this.file)) {
      const buffer = readFileSync(this.file);
      let end = buffer.length;
      // Everything after the last newline is a line the writer never finished.
      const lastNewline = buffer.lastIndexOf(0x0a);
      if (lastNewline !== buffer.length - 1) {
        end = lastNewline + 1;
        report.tornBytes = buffer.length - end;
      }
      const lines = buffer.subarray(0, end).toString('utf8').split('\n');
      lines.pop();
      for (const [index, line] of lines.entries()) {
        const parsed = parseLine(line);
        if (!parsed) {
          // A line that ended with a newline but does not parse: the final one is a torn
          // write whose newline landed, anything earlier is damage we skip and count.
          if (index === lines.length - 1) {
            report.tornBytes += Buffer.byteLength(line) + 1;
            end -= Buffer.byteLength(line) + 1;
          } else {
            report.corruptLines++;
          }
          continue;
        }
        if (this.ids.has(parsed.id)) {
          report.duplicates++;
          continue;
        }
        this.ids.add(parsed.id);
        results.push(parsed);
      }
      if (report.tornBytes > 0) {
        const fd = openSync(this.file, 'r+');
        try {
          ftruncateSync(fd, end);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    report.loaded = results.length;
    this.fd = openSync(this.file, 'a');
    const retained = results.filter((r) => Date.parse(r.result.startedAt) >= now - this.retentionMs);
    if (retained.length < results.length || report.duplicates > 0 || report.corruptLines > 0) this.rewrite(retained);
    return { store: this, results: retained, report };
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Appends and syncs; false when a result with this id is already stored (nothing written). */
  append(entry: StoredResult): boolean {
    if (this.fd === null) throw new StoreError(`result store ${this.file}: expected an open store, it is closed`, false);
    if (this.ids.has(entry.id)) return false;
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written);
      fdatasyncSync(this.fd);
    } catch (error) {
      throw new StoreError(`result store ${this.file}: could not append result ${entry.id} (${(error as Error).message}); the result was not recorded, retry is safe`, true);
    }
    this.ids.add(entry.id);
    this.appendsSinceCompaction++;
    return true;
  }

  /**
   * Drops results older than the retention: the file is re-read, the kept lines written to a
   * temporary file, synced, and renamed over the live one. Returns how many were dropped.
   */
  compact(now = Date.now()): number {
    const kept: StoredResult[] = [];
    let dropped = 0;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const parsed = line === '' ? null : parseLine(line);
      if (!parsed) continue;
      if (Date.parse(parsed.result.startedAt) >= now - this.retentionMs) kept.push(parsed);
      else dropped++;
    }
    this.rewrite(kept);
    return dropped;
  }

  get appendsSinceLastCompaction(): number {
    return this.appendsSinceCompaction;
  }

  private rewrite(keep: readonly StoredResult[]): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      const chunk: string[] = [];
      for (const entry of keep) {
        chunk.push(JSON.stringify(entry));
        if (chunk.length >= 500) {
          writeSync(fd, `${chunk.join('\n')}\n`);
          chunk.length = 0;
        }
      }
      if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (this.fd !== null) closeSync(this.fd);
    renameSync(tmp, this.file);
    syncDirectory(this.dir);
    this.fd = openSync(this.file, 'a');
    this.ids.clear();
    for (const entry of keep) this.ids.add(entry.id);
    this.appendsSinceCompaction = 0;
  }

  bytes(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Syncs and closes the file, then releases the directory's lock. */
  close(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    if (this.lockToken !== null) {
      releaseLock(this.dir, this.lockToken);
      this.lockToken = null;
    }
  }
}

/** The id of the result of one schedule slot of one target at one location. */
export function resultId(target: string, location: string, slot: Date): string {
  return `${target}@${location}@${slot.toISOString()}`;
}
