// Success conditions written as text (`>=0.99`, `<= 0.01`, `== 1`), as on the command line and in
// the fleet definition. Parsed once up front so a typo is a usage error, not a silent pass.

export type Comparator = '>=' | '>' | '<=' | '<' | '==' | '!=';

export interface Condition {
  comparator: Comparator;
  threshold: number;
  /** The condition as written back, e.g. `>= 0.99`. */
  text: string;
}

export type ConditionParse = { ok: true; condition: Condition } | { ok: false; error: string };

const PATTERN = /^\s*(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

export function parseCondition(text: string): ConditionParse {
  const match = PATTERN.exec(text);
  if (!match) {
    return { ok: false, error: `expected a comparison such as '>=0.99' or '<=0.01' (one of >=, >, <=, <, ==, != and a number), received ${JSON.stringify(text)}` };
  }
  const comparator = match[1] as Comparator;
  const threshold = Number(match[2]);
  return { ok: true, condition: { comparator, threshold, text: `${comparator} ${threshold}` } };
}

export function holds(condition: Condition, value: number): boolean {
  switch (condition.comparator) {
    case '>=':
      return value >= condition.threshold;
    case '>':
      return value > condition.threshold;
    case '<=':
      return value <= condition.threshold;
    case '<':
      return value < condition.threshold;
    case '==':
      return value === condition.threshold;
    case '!=':
      return value !== condition.threshold;
  }
}
