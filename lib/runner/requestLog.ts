// Sinks for the audit trail: one structured line per synthetic request. Entries reach
// a sink already redacted; the sink only decides where they go.
import type { RequestLogEntry, RequestLogSink } from './api.js';

export function jsonLinesRequestLog(out: { write(text: string): unknown }): RequestLogSink {
  return {
    write(entry) {
      out.write(`${JSON.stringify(entry)}\n`);
    },
  };
}

export function memoryRequestLog(): RequestLogSink & { entries: RequestLogEntry[] } {
  const entries: RequestLogEntry[] = [];
  return {
    entries,
    write(entry) {
      entries.push(entry);
    },
  };
}

export const nullRequestLog: RequestLogSink = {
  write() {
    // Discards entries on purpose (benchmarks, dry runs).
  },
};
