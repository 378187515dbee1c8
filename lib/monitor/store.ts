// The monitor's result store: an append-only JSON-lines file, one result per line, each with
// an id naming the schedule slot it belongs to (`<target>@<slot time>`).
// - append: write the line, then fdatasync, then report the result. A result that was reported
//   is on disk; a crash before the sync loses only a result nobody was told about.
// - open: a torn last line (the process died mid-write) is cut off; lines with an id already
//   seen are dropped, so a re-run of the same slot after a restart never counts twice.
// - compaction: results older than the retention are dropped by writing a new file beside the
//   old one, syncing it, and renaming it over the old one (atomic on POSIX file systems).
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../model/result.js';

export const RESULTS_FILE = 'results.jsonl';
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

function syncDirectory(dir: string): void {
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
    // A compaction that died before its rename leaves only this temporary file behind.
    rmSync(`${store.file}.tmp`, { force: true });
    const report: OpenReport = { loaded: 0, tornBytes: 0, corruptLines: 0, duplicates: 0 };
    const results: StoredResult[] = [];
    if (existsSync(store.file)) {
      const buffer = readFileSync(store.file);
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
        if (store.ids.has(parsed.id)) {
          report.duplicates++;
          continue;
        }
        store.ids.add(parsed.id);
        results.push(parsed);
      }
      if (report.tornBytes > 0) {
        const fd = openSync(store.file, 'r+');
        try {
          ftruncateSync(fd, end);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    report.loaded = results.length;
    store.fd = openSync(store.file, 'a');
    const now = options.now ?? Date.now();
    const retained = results.filter((r) => Date.parse(r.result.startedAt) >= now - store.retentionMs);
    if (retained.length < results.length || report.duplicates > 0 || report.corruptLines > 0) store.rewrite(retained);
    return { store, results: retained, report };
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

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

/** The id of the result of one schedule slot of one target at one location. */
export function resultId(target: string, location: string, slot: Date): string {
  return `${target}@${location}@${slot.toISOString()}`;
}
