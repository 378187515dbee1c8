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
