// Picks a reporter by its CLI name.
import type { Redactor } from '../secrets/secrets.js';
import { JsonReporter } from './json.js';
import { JUnitReporter } from './junit.js';
import { ListReporter } from './list.js';
import type { OutputStream, Reporter } from './reporter.js';

export const REPORTER_NAMES = ['list', 'json', 'junit'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export function isReporterName(name: string): name is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(name);
}

export interface CreateReporterOptions {
  redactor: Redactor;
  /** Colours for the list reporter (decide with shouldColor). */
  color?: boolean;
}

export function createReporter(name: ReporterName, out: OutputStream, opts: CreateReporterOptions): Reporter {
  switch (name) {
    case 'list':
      return new ListReporter(out, { redactor: opts.redactor, color: opts.color ?? false });
    case 'json':
      return new JsonReporter(out, opts.redactor);
    case 'junit':
      return new JUnitReporter(out, opts.redactor);
  }
}
