// `probe-fleet mute` / `unmute`: open or end a maintenance window over one service now, for the
// local monitor (its data directory), with an audit line of who and why.
import { isAbsolute, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { muteService, unmuteService } from '../../config/maintenanceMutes.js';
import { parseFlags, usageError } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_FAILED, EXIT_OK, usageFailure } from '../command.js';
import { DEFAULT_DATA_DIR } from './monitor.js';

const MUTE_FLAGS = {
  service: { type: 'string' },
  for: { type: 'string' },
  reason: { type: 'string' },
  by: { type: 'string' },
  data: { type: 'string' },
} as const;

const UNMUTE_FLAGS = { service: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, data: { type: 'string' } } as const;

const MUTE_HELP = `Usage: probe-fleet mute --service NAME --for DURATION --reason TEXT [--by NAME] [--data DIR]

Opens a maintenance window over one service's checks, from now for DURATION: the local monitor
keeps running and storing them, and sends no notification about them while it is open. Every
mute is written to DIR/maintenance.json and audited in DIR/maintenance-audit.jsonl (who, why,
when, until when). Windows planned ahead belong in the fleet definition (maintenance: [...]).

Options:
  --service NAME     The service whose checks are muted (as in the checks' service field)
  --for DURATION     How long: 30m, 2h, 1d (at most 7d)
  --reason TEXT      Why, for the audit line (required)
  --by NAME          Who (default: the login name)
  --data DIR         The monitor's data directory (default: ${DEFAULT_DATA_DIR})
  -h, --help         Show this help

Exit codes: 0 window opened; 1 the data directory could not be written; 2 usage error.

Example:
  probe-fleet mute --service checkout --for 2h --reason "database migration CHG-1234"
`;

const UNMUTE_HELP = `Usage: probe-fleet unmute --service NAME [--reason TEXT] [--by NAME] [--data DIR]

Ends every open mute of the service now (its window's end becomes now) and audits it.

Options:
  --service NAME     The service to unmute
  --reason TEXT      Why, for the audit line (default: "ended early")
  --by NAME          Who (default: the login name)
  --data DIR         The monitor's data directory (default: ${DEFAULT_DATA_DIR})
  -h, --help         Show this help

Exit codes: 0 ended (or nothing was open, which it says); 1 the data directory could not be written; 2 usage error.
`;

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_MS = 7 * 24 * 3_600_000;

function durationMs(text: string): number | null {
  const match = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return ms > 0 && ms <= MAX_MS ? ms : null;
}

function who(by: string | undefined): string {
  if (by !== undefined) return by;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export const muteCommand: Command = {
  name: 'mute',
  summary: 'Open a maintenance window over a service now (local monitor), audited',
  help: MUTE_HELP,
  run(args, io) {
    const parsed = parseFlags(args, MUTE_FLAGS);
    if (!parsed.ok) return Promise.resolve(usageFailure(io, 'mute', parsed.error));
    const f = parsed.values;
    const errors: string[] = [];
    if (f.service === undefined || !SERVICE.test(f.service)) errors.push(usageError('--service', 'a service name', f.service ?? 'nothing'));
    const forMs = f.for === undefined ? null : durationMs(f.for);
    if (forMs === null) errors.push(usageError('--for', 'a duration such as 30m, 2h or 1d, at most 7d', f.for ?? 'nothing'));
    if (f.reason === undefined || f.reason.trim() === '') errors.push(usageError('--reason', 'why the service is muted', 'nothing'));
    if (errors.length > 0) return Promise.resolve(usageFailure(io, 'mute', errors.join('; ')));
    const dir = f.data === undefined ? resolve(io.cwd, DEFAULT_DATA_DIR) : isAbsolute(f.data) ? f.data : resolve(io.cwd, f.data);
    try {
      const line = muteService(dir, { service: f.service!, forMs: forMs!, reason: f.reason!, by: who(f.by), now: Date.now() });
      io.stdout.write(`muted ${f.service!} until ${line.window.end!} (${line.window.name}), by ${line.by}: ${line.reason}\n`);
      return Promise.resolve(EXIT_OK);
    } catch (error) {
      io.stderr.write(`probe-fleet mute: could not write the window to ${dir}: ${(error as Error).message}; nothing was muted, a retry is safe\n`);
      return Promise.resolve(EXIT_FAILED);
    }
  },
};

export const unmuteCommand: Command = {
  name: 'unmute',
  summary: 'End the open maintenance windows of a service now, audited',
  help: UNMUTE_HELP,
  run(args, io) {
    const parsed = parseFlags(args, UNMUTE_FLAGS);
    if (!parsed.ok) return Promise.resolve(usageFailure(io, 'unmute', parsed.error));
    const f = parsed.values;
    if (f.service === undefined || !SERVICE.test(f.service)) return Promise.resolve(usageFailure(io, 'unmute', usageError('--service', 'a service name', f.service ?? 'nothing')));
    const dir = f.data === undefined ? resolve(io.cwd, DEFAULT_DATA_DIR) : isAbsolute(f.data) ? f.data : resolve(io.cwd, f.data);
    try {
      const lines = unmuteService(dir, { service: f.service, by: who(f.by), reason: f.reason ?? 'ended early', now: Date.now() });
      io.stdout.write(lines.length === 0 ? `no open mute of ${f.service}; nothing changed\n` : `unmuted ${f.service} (${lines.map((l) => l.window.name).join(', ')}), by ${lines[0]!.by}\n`);
      return Promise.resolve(EXIT_OK);
    } catch (error) {
      io.stderr.write(`probe-fleet unmute: could not update ${dir}: ${(error as Error).message}; a retry is safe\n`);
      return Promise.resolve(EXIT_FAILED);
    }
  },
};
