// A small, independent evaluator of CloudWatch metric math, enough to replay the alarms the
// templates hold. Written from the CloudWatch User Guide, "Using math expressions with
// CloudWatch metrics":
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
// Rules encoded here, each from that page unless marked otherwise:
// - arithmetic (+ - * / ^, unary -) on time series: "Missing values in a time series are
//   treated as 0"; a division by zero drops the datapoint;
// - comparison (== != <= >= < >) and logical operators (AND/&&, OR/||) between two time series
//   treat the value missing in one of them as 0 and give 1 (true) or 0 (false);
// - IF(condition, trueValue[, falseValue]) follows the page's per-syntax rules (a TRUE
//   condition with a missing trueValue datapoint gives 0; a FALSE one with no falseValue, or no
//   falseValue datapoint, drops the datapoint; a missing condition datapoint drops it);
// - FILL(ts, S | TS | REPEAT | LINEAR) fills the missing values of a time series over the
//   requested range, so a FILL with a constant leaves no period without a datapoint (the page's
//   warning that an alarm on FILL can be "stuck"). REPEAT carries the most recent real value
//   forward and LINEAR interpolates between real values; what they do before the first real
//   value is not documented: here both leave it missing;
// - MIN/MAX/SUM/AVG of one time series give a scalar over the whole range; of an array, a time
//   series. AVG treats missing values as 0 (documented); MIN and MAX take the values present
//   at a timestamp (not documented; treating a missing value as 0 would make MIN of any
//   sparse array 0); SUM gives the same result either way;
// - FLOOR, CEIL, ABS apply per datapoint;
// - MINUTE, HOUR, DAY, DATE, MONTH, YEAR, EPOCH "take the period and range of the time series
//   and return a new non-sparse time series where each value is based on its timestamp" (UTC);
//   DAY numbers the days of the week 1 (Monday) to 7 (Sunday), as the CloudWatch team's
//   introduction of these functions shows:
//   https://aws.amazon.com/blogs/mt/enhance-cloudwatch-metrics-with-metric-math-functions/
// A time series is a Map from period start (epoch ms) to value; the grid is every period start
// of the requested range, which only FILL needs.

export type Series = Map<number, number>;
export type Value = { kind: 'scalar'; value: number } | { kind: 'series'; series: Series } | { kind: 'array'; items: Series[] } | { kind: 'keyword'; word: 'REPEAT' | 'LINEAR' };

export type Node =
  | { type: 'number'; value: number }
  | { type: 'id'; name: string }
  | { type: 'keyword'; word: 'REPEAT' | 'LINEAR' }
  | { type: 'unary'; op: '-'; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'call'; name: string; args: Node[] }
  | { type: 'array'; items: Node[] };

export class MetricMathError extends Error {
  constructor(expression: string, message: string) {
    super(`metric math "${expression}": ${message}`);
    this.name = 'MetricMathError';
  }
}

interface Token {
  kind: 'number' | 'ident' | 'op' | 'punct';
  text: string;
  at: number;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|&&|\|\||[-+*/^<>])|([()[\],]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(expression);
    if (!m) {
      const where = at + (/^\s*/.exec(expression.slice(at))?.[0].length ?? 0);
      throw new MetricMathError(expression, `unexpected character at ${where}: "${expression.slice(where, where + 10)}"`);
    }
    const [, num, ident, op, punct] = m;
    const start = m.index + m[0].length - (num ?? ident ?? op ?? punct ?? '').length;
    if (num !== undefined) tokens.push({ kind: 'number', text: num, at: start });
    else if (ident !== undefined) tokens.push({ kind: 'ident', text: ident, at: start });
    else if (op !== undefined) tokens.push({ kind: 'op', text: op, at: start });
    else tokens.push({ kind: 'punct', text: punct!, at: start });
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses an expression; precedence from loosest: OR, AND, comparison, + -, * /, ^, unary -. */
export function parseExpression(expression: string): Node {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const fail = (what: string): never => {
    const t = peek();
    throw new MetricMathError(expression, `${what}, received ${t ? `"${t.text}" at ${t.at}` : 'the end'}`);
  };
  const take = (text: string): boolean => {
    const t = peek();
    if (t && (t.kind === 'op' || t.kind === 'punct' || t.kind === 'ident') && t.text === text) {
      i++;
      return true;
    }
    return false;
  };
  const expect = (text: string): void => {
    if (!take(text)) fail(`expected "${text}"`);
  };
  const binaryLevel = (ops: readonly string[], next: () => Node, canonical: (op: string) => string = (op) => op) => (): Node => {
    let left = next();
    for (;;) {
      const t = peek();
      if (!t || !ops.includes(t.text) || t.kind === 'number') return left;
      i++;
      left = { type: 'binary', op: canonical(t.text), left, right: next() };
    }
  };
  const primary = (): Node => {
    const t = peek();
    if (!t) return fail('expected a value');
    if (t.kind === 'number') {
      i++;
      return { type: 'number', value: Number(t.text) };
    }
    if (t.text === '(') {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.text === '[') {
      i++;
      const items = [or()];
      while (take(',')) items.push(or());
      expect(']');
      return { type: 'array', items };
    }
    if (t.kind === 'ident') {
      i++;
      if (t.text === 'REPEAT' || t.text === 'LINEAR') return { type: 'keyword', word: t.text };
      if (take('(')) {
        const args: Node[] = [];
        if (!take(')')) {
          args.push(or());
          while (take(',')) args.push(or());
          expect(')');
        }
        return { type: 'call', name: t.text, args };
      }
      return { type: 'id', name: t.text };
    }
    return fail('expected a number, an id, a function, "(" or "["');
  };
  const unary = (): Node => (take('-') ? { type: 'unary', op: '-', operand: unary() } : power());
  const power = (): Node => {
    const base = primary();
    // Right-associative, and binds tighter than unary minus on its left: -2^2 = -(2^2).
    return take('^') ? { type: 'binary', op: '^', left: base, right: unary() } : base;
  };
  const mul = binaryLevel(['*', '/'], unary);
  const add = binaryLevel(['+', '-'], mul);
  const cmp = binaryLevel(['==', '!=', '<=', '>=', '<', '>'], add);
  const and = binaryLevel(['AND', '&&'], cmp, () => 'AND');
  const or = binaryLevel(['OR', '||'], and, () => 'OR');
  const node = or();
  if (i < tokens.length) fail('expected the end of the expression');
  return node;
}

/** The ids an expression reads (metrics or other expressions). */
export function idsIn(node: Node): string[] {
  switch (node.type) {
    case 'id':
      return [node.name];
    case 'unary':
      return idsIn(node.operand);
    case 'binary':
      return [...idsIn(node.left), ...idsIn(node.right)];
    case 'call':
    case 'array':
      return (node.type === 'call' ? node.args : node.items).flatMap(idsIn);
    default:
      return [];
  }
}

export interface EvaluationContext {
  /** Every period start of the requested range, ascending. */
  grid: readonly number[];
  /** Values of metric and expression ids. */
  lookup(id: string): Value;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '^': (a, b) => a ** b,
};
const COMPARISON: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  AND: (a, b) => a !== 0 && b !== 0,
  OR: (a, b) => a !== 0 || b !== 0,
};

function sortedKeys(...series: Series[]): number[] {
  const keys = new Set<number>();
  for (const s of series) for (const k of s.keys()) keys.add(k);
  return [...keys].sort((a, b) => a - b);
}

/** One value per timestamp of either operand, the missing one read as 0; NaN/∞ (x/0) dropped. */
function combine(a: Series, b: Series, f: (x: number, y: number) => number): Series {
  const out: Series = new Map();
  for (const t of sortedKeys(a, b)) {
    const v = f(a.get(t) ?? 0, b.get(t) ?? 0);
    if (Number.isFinite(v)) out.set(t, v);
  }
  return out;
}

function mapSeries(s: Series, f: (x: number) => number): Series {
  const out: Series = new Map();
  for (const [t, x] of s) {
    const v = f(x);
    if (Number.isFinite(v)) out.set(t, v);
  }
  return out;
}

export function evaluate(node: Node, ctx: EvaluationContext, expression = '?'): Value {
  const fail = (message: string): never => {
    throw new MetricMathError(expression, message);
  };
  const ev = (n: Node): Value => evaluate(n, ctx, expression);
  const series = (v: Value, where: string): Series => (v.kind === 'series' ? v.series : fail(`${where}: expected a time series, received ${v.kind}`));

  const apply = (a: Value, b: Value, f: (x: number, y: number) => number): Value => {
    if (a.kind === 'keyword' || b.kind === 'keyword') return fail('REPEAT and LINEAR are only FILL arguments');
    if (a.kind === 'scalar' && b.kind === 'scalar') return { kind: 'scalar', value: f(a.value, b.value) };
    if (a.kind === 'array' || b.kind === 'array') {
      const items = a.kind === 'array' ? a.items : (b as { items: Series[] }).items;
      return { kind: 'array', items: items.map((s) => series(a.kind === 'array' ? apply({ kind: 'series', series: s }, b, f) : apply(a, { kind: 'series', series: s }, f), 'array item')) };
    }
    if (a.kind === 'series' && b.kind === 'series') return { kind: 'series', series: combine(a.series, b.series, f) };
    if (a.kind === 'series' && b.kind === 'scalar') return { kind: 'series', series: mapSeries(a.series, (x) => f(x, b.value)) };
    if (a.kind === 'scalar' && b.kind === 'series') return { kind: 'series', series: mapSeries(b.series, (y) => f(a.value, y)) };
    return fail('unsupported operands');
  };

  switch (node.type) {
    case 'number':
      return { kind: 'scalar', value: node.value };
    case 'keyword':
      return { kind: 'keyword', word: node.word };
    case 'id':
      return ctx.lookup(node.name);
    case 'array':
      return { kind: 'array', items: node.items.flatMap((n) => { const v = ev(n); return v.kind === 'array' ? v.items : [series(v, 'array item')]; }) };
    case 'unary':
      return apply({ kind: 'scalar', value: 0 }, ev(node.operand), (a, b) => a - b);
    case 'binary': {
      const left = ev(node.left);
      const right = ev(node.right);
      const arithmetic = ARITHMETIC[node.op];
      if (arithmetic) return apply(left, right, arithmetic);
      const comparison = COMPARISON[node.op];
      if (comparison) return apply(left, right, (a, b) => (comparison(a, b) ? 1 : 0));
      return fail(`unknown operator ${node.op}`);
    }
    case 'call':
      return call(node, ctx, expression, ev, series);
  }
}

function call(node: Extract<Node, { type: 'call' }>, ctx: EvaluationContext, expression: string, ev: (n: Node) => Value, series: (v: Value, where: string) => Series): Value {
  const fail = (message: string): never => {
    throw new MetricMathError(expression, `${node.name}: ${message}`);
  };
  const arity = (min: number, max: number): void => {
    if (node.args.length < min || node.args.length > max) fail(`expected ${min === max ? min : `${min} to ${max}`} argument(s), received ${node.args.length}`);
  };
  switch (node.name) {
    case 'FLOOR':
    case 'CEIL':
    case 'ABS': {
      arity(1, 1);
      const f = node.name === 'FLOOR' ? Math.floor : node.name === 'CEIL' ? Math.ceil : Math.abs;
      const v = ev(node.args[0]!);
      if (v.kind === 'scalar') return { kind: 'scalar', value: f(v.value) };
      if (v.kind === 'array') return { kind: 'array', items: v.items.map((s) => mapSeries(s, f)) };
      return { kind: 'series', series: mapSeries(series(v, 'argument'), f) };
    }
    case 'MIN':
    case 'MAX':
    case 'SUM':
    case 'AVG': {
      arity(1, 1);
      const v = ev(node.args[0]!);
      const reduce = (values: number[], count: number): number | null => {
        if (values.length === 0) return null;
        if (node.name === 'MIN') return Math.min(...values);
        if (node.name === 'MAX') return Math.max(...values);
        const sum = values.reduce((a, b) => a + b, 0);
        return node.name === 'SUM' ? sum : sum / count;
      };
      if (v.kind === 'series') {
        const r = reduce([...v.series.values()], v.series.size);
        return r === null ? fail('no datapoint in the range to reduce to a scalar') : { kind: 'scalar', value: r };
      }
      if (v.kind !== 'array') return fail(`expected a time series or an array, received ${v.kind}`);
      const out: Series = new Map();
      for (const t of sortedKeys(...v.items)) {
        const present = v.items.map((s) => s.get(t)).filter((x): x is number => x !== undefined);
        // AVG divides by every member (missing counts as 0); MIN and MAX use what is there.
        const r = reduce(present, v.items.length);
        if (r !== null) out.set(t, r);
      }
      return { kind: 'series', series: out };
    }
    case 'FILL': {
      arity(2, 2);
      const target = ev(node.args[0]!);
      const filler = ev(node.args[1]!);
      const fillOne = (s: Series): Series => fill(s, filler, ctx.grid, fail);
      if (target.kind === 'array') return { kind: 'array', items: target.items.map(fillOne) };
      return { kind: 'series', series: fillOne(series(target, 'first argument')) };
    }
    case 'MINUTE':
    case 'HOUR':
    case 'DAY':
    case 'DATE':
    case 'MONTH':
    case 'YEAR':
    case 'EPOCH': {
      arity(1, 1);
      // Only the argument's range matters: every period of it gets a value, data or not.
      series(ev(node.args[0]!), 'argument');
      const of = (t: number): number => {
        const d = new Date(t);
        switch (node.name) {
          case 'MINUTE':
            return d.getUTCMinutes();
          case 'HOUR':
            return d.getUTCHours();
          case 'DAY':
            return ((d.getUTCDay() + 6) % 7) + 1;
          case 'DATE':
            return d.getUTCDate();
          case 'MONTH':
            return d.getUTCMonth() + 1;
          case 'YEAR':
            return d.getUTCFullYear();
          default:
            return Math.floor(t / 1000);
        }
      };
      return { kind: 'series', series: new Map(ctx.grid.map((t) => [t, of(t)])) };
    }
    case 'IF':
      arity(2, 3);
      return ifExpression(ev(node.args[0]!), ev(node.args[1]!), node.args[2] ? ev(node.args[2]) : null, fail);
    default:
      return fail('function not supported by this evaluator');
  }
}

function fill(s: Series, filler: Value, grid: readonly number[], fail: (m: string) => never): Series {
  const out: Series = new Map();
  if (filler.kind === 'scalar' || filler.kind === 'series') {
    for (const t of grid) {
      const own = s.get(t);
      const value = own ?? (filler.kind === 'scalar' ? filler.value : filler.series.get(t));
      if (value !== undefined) out.set(t, value);
    }
    return out;
  }
  if (filler.kind !== 'keyword') return fail('second argument: expected a scalar, a time series, REPEAT or LINEAR');
  const real = grid.filter((t) => s.has(t));
  for (const t of grid) {
    const own = s.get(t);
    if (own !== undefined) {
      out.set(t, own);
      continue;
    }
    const before = real.filter((r) => r < t).at(-1);
    if (before === undefined) continue;
    if (filler.word === 'REPEAT') {
      out.set(t, s.get(before)!);
      continue;
    }
    const after = real.find((r) => r > t);
    if (after === undefined) continue;
    const a = s.get(before)!;
    const b = s.get(after)!;
    out.set(t, a + ((b - a) * (t - before)) / (after - before));
  }
  return out;
}

function ifExpression(condition: Value, whenTrue: Value, whenFalse: Value | null, fail: (m: string) => never): Value {
  if (condition.kind === 'scalar') {
    // IF(scalar, TS[, TS]): the whole series of one branch; no false branch gives an empty series.
    if (condition.value !== 0) return whenTrue;
    return whenFalse ?? { kind: 'series', series: new Map() };
  }
  if (condition.kind !== 'series') return fail(`IF: expected a time series or a scalar condition, received ${condition.kind}`);
  const out: Series = new Map();
  for (const [t, c] of condition.series) {
    if (c !== 0) {
      // TRUE with a time-series trueValue lacking this timestamp gives 0.
      out.set(t, whenTrue.kind === 'scalar' ? whenTrue.value : whenTrue.kind === 'series' ? (whenTrue.series.get(t) ?? 0) : fail('IF: trueValue must be a scalar or a time series'));
      continue;
    }
    if (whenFalse === null) continue;
    if (whenFalse.kind === 'scalar') out.set(t, whenFalse.value);
    else if (whenFalse.kind === 'series') {
      const v = whenFalse.series.get(t);
      if (v !== undefined) out.set(t, v);
    } else fail('IF: falseValue must be a scalar or a time series');
  }
  return { kind: 'series', series: out };
}

/** Evaluates `expression` alone (for tests and hand-written fragments). */
export function evaluateExpression(expression: string, ctx: EvaluationContext): Value {
  return evaluate(parseExpression(expression), ctx, expression);
}
