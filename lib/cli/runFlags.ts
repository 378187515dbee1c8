// Flags and outputs that every command running checks shares (test, verify): one reading of
// --reporter, --deadline, --concurrency and --tags, one way to open --output and to pair a
// report file with live progress.
import { createWriteStream, mkdirSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { shouldColor } from '../reporters/colors.js';
import { createReporter, isReporterName, REPORTER_NAMES } from '../reporters/createReporter.js';
import type { ReporterName } from '../reporters/createReporter.js';
import { fanOut } from '../reporters/reporter.js';
import type { OutputStream, Reporter } from '../reporters/reporter.js';
import type { Redactor } from '../secrets/secrets.js';
import { durationFlag, usageError } from './args.js';
import type { CliIO } from './command.js';

export type FlagValue<T> = { value: T } | { error: string };

export function reporterFlag(value: string | undefined): FlagValue<ReporterName> {
  const reporter = value ?? 'list';
  return isReporterName(reporter) ? { value: reporter } : { error: usageError('--reporter', REPORTER_NAMES.join(' | '), reporter) };
}

/** A run that needs more than a day is not a gate; the cap also keeps the deadline timer within what Node can hold. */
export const MAX_DEADLINE_MS = 24 * 3_600_000;

export function deadlineFlag(value: string | undefined, defaultMs: number): FlagValue<number> {
  if (value === undefined) return { value: defaultMs };
  const parsed = durationFlag('--deadline', value, { max: MAX_DEADLINE_MS, examples: '90s, 2m or 1500ms' });
  return 'error' in parsed ? parsed : { value: parsed.ms };
}

export function concurrencyFlag(value: string | undefined): FlagValue<number | undefined> {
  if (value === undefined) return { value: undefined };
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? { value: n } : { error: usageError('--concurrency', 'a whole number from 1 to 1000', value) };
}

/** `--tags a,b --tags c` → ['a', 'b', 'c']. */
export function tagsFlag(values: string[] | undefined): FlagValue<string[] | undefined> {
  if (values === undefined) return { value: undefined };
  const tags = values.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  return tags.length === 0 ? { error: usageError('--tags', 'one or more tag names', values.join(',')) } : { value: tags };
}

/** The chosen report on stdout, or in `file` while a person watching stdout still sees progress. */
export function runReporter(reporter: ReporterName, io: CliIO, redactor: Redactor, file: OutputStream | undefined): Reporter {
  const list = (): Reporter => createReporter('list', io.stdout, { redactor, color: shouldColor(io.stdout, io.env) });
  if (file === undefined) return reporter === 'list' ? list() : createReporter(reporter, io.stdout, { redactor });
  return fanOut([list(), createReporter(reporter, file, { redactor, color: false })]);
}

/** Opens `--output` (creating its directory) before anything runs, so a bad path fails early. */
export async function openOutput(path: string): Promise<{ stream: WriteStream; close(): Promise<void> } | { error: string }> {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const stream = createWriteStream(path);
    await new Promise<void>((ready, fail) => {
      stream.once('open', () => ready());
      stream.once('error', fail);
    });
    return { stream, close: () => new Promise<void>((done) => stream.end(() => done())) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
