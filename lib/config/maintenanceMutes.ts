// `probe-fleet mute` and `unmute`: one-off maintenance windows opened now, kept beside the local
// monitor's data (`maintenance.json`), with an audit line per change (`maintenance-audit.jsonl`:
// who, why, when, what). The monitor reads them with the fleet's own windows.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MaintenanceWindow } from '../model/fleet.js';

export const MUTES_FILE = 'maintenance.json';
export const MUTES_AUDIT_FILE = 'maintenance-audit.jsonl';

export interface MuteAudit {
  at: string;
  action: 'mute' | 'unmute';
  by: string;
  reason: string;
  window: MaintenanceWindow;
}

export class MutesError extends Error {
  readonly kind = 'mutes_unreadable';
  readonly retryable = false;
}

/** The mutes written so far (ended ones included: their `end` says when they ended). */
export function readMutes(dir: string): MaintenanceWindow[] {
  let text: string;
  try {
    text = readFileSync(join(dir, MUTES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MutesError(`${join(dir, MUTES_FILE)}: expected a readable file, ${(error as Error).message}`);
  }
  const value = JSON.parse(text) as { windows?: unknown };
  if (!Array.isArray(value.windows)) throw new MutesError(`${join(dir, MUTES_FILE)}: expected { "windows": [...] }, received ${text.slice(0, 80)}; remove the file to start again`);
  return value.windows as MaintenanceWindow[];
}

function writeMutes(dir: string, windows: MaintenanceWindow[]): void {
  mkdirSync(dir, { recursive: true });
  // Written beside, then renamed: a reader never sees half a file.
  const tmp = join(dir, `${MUTES_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify({ windows }, null, 2)}\n`);
  renameSync(tmp, join(dir, MUTES_FILE));
}

function audit(dir: string, line: MuteAudit): void {
  appendFileSync(join(dir, MUTES_AUDIT_FILE), `${JSON.stringify(line)}\n`);
}

/** Opens a window over `service` from now for `forMs`; returns the audit line written. */
export function muteService(dir: string, options: { service: string; forMs: number; reason: string; by: string; now: number }): MuteAudit {
  const start = new Date(options.now).toISOString();
  const window: MaintenanceWindow = {
    name: `mute-${options.service}-${start}`,
    reason: options.reason,
    services: [options.service],
    start,
    end: new Date(options.now + options.forMs).toISOString(),
  };
  writeMutes(dir, [...readMutes(dir), window]);
  const line: MuteAudit = { at: start, action: 'mute', by: options.by, reason: options.reason, window };
  audit(dir, line);
  return line;
}

/** Ends every open mute of `service` now; returns the audit lines (none when nothing was open). */
export function unmuteService(dir: string, options: { service: string; by: string; reason: string; now: number }): MuteAudit[] {
  const at = new Date(options.now).toISOString();
  const lines: MuteAudit[] = [];
  const windows = readMutes(dir).map((window) => {
    const open = window.services?.includes(options.service) === true && window.start !== undefined && window.end !== undefined && Date.parse(window.start) <= options.now && options.now < Date.parse(window.end);
    if (!open) return window;
    const ended = { ...window, end: at };
    lines.push({ at, action: 'unmute', by: options.by, reason: options.reason, window: ended });
    return ended;
  });
  if (lines.length === 0) return lines;
  writeMutes(dir, windows);
  for (const line of lines) audit(dir, line);
  return lines;
}
