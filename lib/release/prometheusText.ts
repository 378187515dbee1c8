// A parser for the Prometheus text exposition format (version 0.0.4): what a service's
// `/metrics` endpoint serves. Strict about what it cannot read: a malformed line is an error
// naming the line, never a sample silently read as 0.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  /** May be NaN or ±Infinity, as the format allows. */
  value: number;
  /** Milliseconds since the epoch, when the exposition carried one. */
  timestampMs?: number;
}

export interface PromExposition {
  samples: PromSample[];
  /** `# TYPE` declarations by metric family name. */
  types: Record<string, string>;
  /** `# HELP` texts by metric family name, unescaped. */
  help: Record<string, string>;
}

export type PromParse = { ok: true; exposition: PromExposition } | { ok: false; error: PromParseError };

export interface PromParseError {
  kind: 'prometheus_parse';
  /** 1-based line number. */
  line: number;
  message: string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parsePrometheusText(text: string): PromParse {
  const exposition: PromExposition = { samples: [], types: {}, help: {} };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!.replace(/\r$/, '');
    const line = raw.trim();
    if (line === '') continue;
    const fail = (message: string): PromParse => ({ ok: false, error: { kind: 'prometheus_parse', line: index + 1, message: `line ${index + 1}: ${message}, received ${JSON.stringify(raw)}` } });
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(line);
      if (!meta) continue; // any other comment
      const [, keyword, name, rest = ''] = meta;
      if (keyword === 'HELP') exposition.help[name!] = rest.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
      else {
        const type = rest.trim();
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) return fail(`expected a TYPE of counter, gauge, histogram, summary or untyped`);
        exposition.types[name!] = type;
      }
      continue;
    }
    const sample = parseSample(line);
    if (typeof sample === 'string') return fail(sample);
    exposition.samples.push(sample);
  }
  return { ok: true, exposition };
}

function parseSample(line: string): PromSample | string {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return 'expected a metric name';
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (typeof parsed === 'string') return parsed;
    Object.assign(labels, parsed.labels);
    rest = rest.slice(parsed.consumed);
  }
  if (!/^[ \t]/.test(rest)) return 'expected whitespace and a value after the metric name and labels';
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length > 2) return 'expected a value and an optional timestamp, found extra fields';
  const value = parseValue(fields[0]!);
  if (value === null) return `expected a number, NaN, +Inf or -Inf as the value of ${name}`;
  const sample: PromSample = { name, labels, value };
  if (fields[1] !== undefined) {
    if (!/^-?\d+$/.test(fields[1])) return `expected an integer timestamp in milliseconds for ${name}`;
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

function parseLabels(text: string): { labels: Record<string, string>; consumed: number } | string {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}') return { labels, consumed: i + 1 };
    const nameMatch = LABEL_NAME.exec(text.slice(i));
    if (!nameMatch) return `expected a label name or '}' at column ${i + 1}`;
    const labelName = nameMatch[0];
    i += labelName.length;
    skipSpace();
    if (text[i] !== '=') return `expected '=' after label ${labelName}`;
    i++;
    skipSpace();
    if (text[i] !== '"') return `expected a quoted value for label ${labelName}`;
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return `unterminated value for label ${labelName}`;
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else return `unknown escape '\\${next ?? ''}' in label ${labelName} (expected \\\\, \\" or \\n)`;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    if (labelName in labels) return `label ${labelName} appears twice`;
    labels[labelName] = value;
    skipSpace();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return { labels, consumed: i + 1 };
    return `expected ',' or '}' after label ${labelName}`;
  }
}

function parseValue(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

/** The samples of one series name whose labels include every given label. */
export function selectSamples(exposition: PromExposition, metric: string, labels: Record<string, string> = {}): PromSample[] {
  return exposition.samples.filter((s) => s.name === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** One value from several samples; NaN samples are left out (a series that is not yet known says nothing). */
export function aggregateSamples(samples: readonly PromSample[], how: 'sum' | 'max' | 'min' | 'avg'): number | null {
  const values = samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return null;
  switch (how) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** A sample of one series at a time (epoch or plan milliseconds). */
export interface TimedValue {
  t: number;
  value: number;
}

/**
 * How much a counter grew over `[rangeStart, rangeEnd]`, with PromQL `increase()` semantics
 * (promql/functions.go `extrapolatedRate`): a drop is a counter reset, so the value before the
 * drop is added back; the growth between the first and last sample is extrapolated towards the
 * range's edges when a sample lies within 1.1 average scrape intervals of the edge (else by half
 * an interval), and never to before the counter would have been zero. Null with fewer than 2
 * samples, as PromQL returns nothing. `rate()` is this divided by the range in seconds.
 */
export function counterIncrease(samples: readonly TimedValue[], rangeStart: number, rangeEnd: number): number | null {
  const points = samples.filter((s) => s.t >= rangeStart && s.t <= rangeEnd && !Number.isNaN(s.value));
  if (points.length < 2) return null;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let growth = last.value - first.value;
  for (let i = 1; i < points.length; i++) {
    // A restarted process counts from zero again: everything up to the drop was real growth.
    if (points[i]!.value < points[i - 1]!.value) growth += points[i - 1]!.value;
  }
  const sampled = last.t - first.t;
  if (sampled <= 0) return null;
  let toStart = first.t - rangeStart;
  const toEnd = rangeEnd - last.t;
  const average = sampled / (points.length - 1);
  if (growth > 0 && first.value >= 0) {
    // A counter cannot have been below zero: do not extrapolate to before it would have started.
    const toZero = sampled * (first.value / growth);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = average * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : average / 2;
  interval += toEnd < threshold ? toEnd : average / 2;
  return growth * (interval / sampled);
}

/** One cumulative histogram bucket: observations at most `upperBound`. */
export interface HistogramBucket {
  upperBound: number;
  count: number;
}

/**
 * The φ-quantile of a classic histogram with PromQL `histogram_quantile` semantics
 * (promql/quantile.go `bucketQuantile`): linear interpolation inside the bucket holding the
 * rank, the lowest bucket starting at 0 unless its bound is not positive, and a rank in the
 * `+Inf` bucket answered with the highest finite bound. NaN without a `+Inf` bucket, with fewer
 * than two buckets or no observations; -Inf below φ=0, +Inf above φ=1. Counts that are not
 * monotonic (buckets scraped at slightly different moments) are raised to the running maximum.
 */
export function histogramQuantile(q: number, input: readonly HistogramBucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const buckets = [...input].filter((b) => !Number.isNaN(b.upperBound)).sort((a, b) => a.upperBound - b.upperBound);
  if (buckets.length < 2 || buckets[buckets.length - 1]!.upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  let max = Number.NEGATIVE_INFINITY;
  const counts = buckets.map((b) => (max = Math.max(max, b.count)));
  const observations = counts[counts.length - 1]!;
  if (!(observations > 0)) return Number.NaN;
  let rank = q * observations;
  let b = counts.slice(0, -1).findIndex((c) => c >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let start = 0;
  const end = buckets[b]!.upperBound;
  let count = counts[b]!;
  if (b > 0) {
    start = buckets[b - 1]!.upperBound;
    count -= counts[b - 1]!;
    rank -= counts[b - 1]!;
  }
  return start + (end - start) * (rank / count);
}

/** The `le` label as a number (`+Inf`, `1e0`, `.2`), or null when it is not one. */
export function parseBucketBound(le: string | undefined): number | null {
  if (le === undefined) return null;
  const lower = le.trim().toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/.test(lower)) return null;
  return Number(lower);
}

/** A stable key for a label set (sorted), optionally leaving some labels out. */
export function labelKey(labels: Record<string, string>, without: readonly string[] = []): string {
  return Object.keys(labels)
    .filter((k) => !without.includes(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}
