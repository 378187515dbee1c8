// EventBridge cron expressions: `cron(minutes hours day-of-month month day-of-week year)`,
// parsed into sets of allowed values and evaluated in UTC. Errors are values (a reason string)
// so that validation can report them next to the path that holds the expression.

export type DayRule =
  /** `?`: this field defers to the other day field. */
  | { kind: 'defer' }
  | { kind: 'set'; values: ReadonlySet<number> }
  /** Day of month `L`: the last day of the month. */
  | { kind: 'lastDay' }
  /** Day of month `LW`: the last weekday (Mon–Fri) of the month. */
  | { kind: 'lastWeekday' }
  /** Day of month `15W`: the weekday nearest the 15th, never crossing into another month. */
  | { kind: 'nearestWeekday'; day: number }
  /** Day of week `5L`: the last Thursday of the month (1 = Sunday … 7 = Saturday). */
  | { kind: 'lastOfWeekday'; weekday: number }
  /** Day of week `3#2`: the second Tuesday of the month. */
  | { kind: 'nthWeekday'; weekday: number; n: number };

export interface CronSpec {
  minutes: readonly number[];
  hours: readonly number[];
  dayOfMonth: DayRule;
  months: ReadonlySet<number>;
  dayOfWeek: DayRule;
  years: readonly number[];
}

export type CronParse = { ok: true; spec: CronSpec } | { ok: false; reason: string };

interface FieldInfo {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTES: FieldInfo = { name: 'minutes', min: 0, max: 59 };
const HOURS: FieldInfo = { name: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldInfo = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldInfo = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const DAY_OF_WEEK: FieldInfo = { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] };
// EventBridge accepts years 1970–2199; the bound also keeps every search finite.
const YEAR: FieldInfo = { name: 'year', min: 1970, max: 2199 };

export const CRON_FORMAT = 'cron(minutes hours day-of-month month day-of-week year)';

function parseValue(text: string, field: FieldInfo): number | string {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) {
    const names = field.names ? ` or ${field.names[0] ?? ''}-${field.names[field.names.length - 1] ?? ''}` : '';
    return `${field.name}: expected a number ${field.min}-${field.max}${names}, received "${text}"`;
  }
  const value = Number(text);
  if (value < field.min || value > field.max) return `${field.name}: expected ${field.min}-${field.max}, received ${text}`;
  return value;
}

/** `*`, `5`, `1-5`, `0/15`, `*\/15`, `10-40/10`, `MON-FRI`, and comma-separated lists of those. */
function parseSet(text: string, field: FieldInfo): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `${field.name}: empty item in list "${text}"`;
    const [rangeText = '', stepText, extra] = item.split('/');
    if (extra !== undefined) return `${field.name}: expected at most one "/" in "${item}"`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `${field.name}: expected a positive step after "/", received "${stepText}"`;
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (rangeText === '*') {
      low = field.min;
      high = field.max;
    } else {
      const parts = rangeText.split('-');
      if (parts.length > 2) return `${field.name}: expected a range like 1-5, received "${rangeText}"`;
      const first = parseValue(parts[0] ?? '', field);
      if (typeof first === 'string') return first;
      low = first;
      if (parts.length === 2) {
        const last = parseValue(parts[1] ?? '', field);
        if (typeof last === 'string') return last;
        if (last < low) return `${field.name}: expected a range from low to high, received "${rangeText}"`;
        high = last;
      } else {
        // `5/15` means "from 5, every 15" to the end of the field, as in EventBridge.
        high = stepText === undefined ? low : field.max;
      }
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

function parseDayOfMonth(text: string): DayRule | string {
  if (text === '?') return { kind: 'defer' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'lastDay' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < 1 || day > 31) return `day-of-month: expected 1-31 before W, received "${text}"`;
    return { kind: 'nearestWeekday', day };
  }
  if (/[LW#]/i.test(text)) return `day-of-month: L, LW and nW stand alone, not in lists or ranges; received "${text}"`;
  const values = parseSet(text, DAY_OF_MONTH);
  return typeof values === 'string' ? values : { kind: 'set', values };
}

function parseDayOfWeek(text: string): DayRule | string {
  if (text === '?') return { kind: 'defer' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'set', values: new Set([7]) };
  const last = /^([A-Z0-9]+)L$/.exec(upper);
  if (last) {
    const weekday = parseValue(last[1] ?? '', DAY_OF_WEEK);
    if (typeof weekday === 'string') return weekday;
    return { kind: 'lastOfWeekday', weekday };
  }
  const nth = /^([A-Z0-9]+)#(\d+)$/.exec(upper);
  if (nth) {
    const weekday = parseValue(nth[1] ?? '', DAY_OF_WEEK);
    if (typeof weekday === 'string') return weekday;
    const n = Number(nth[2]);
    if (n < 1 || n > 5) return `day-of-week: expected 1-5 after #, received "${text}"`;
    return { kind: 'nthWeekday', weekday, n };
  }
  if (text.includes('#') || /\dL/i.test(text)) return `day-of-week: nL and n#k stand alone, not in lists or ranges; received "${text}"`;
  const values = parseSet(text, DAY_OF_WEEK);
  return typeof values === 'string' ? values : { kind: 'set', values };
}

const sorted = (values: Set<number>): number[] => [...values].sort((a, b) => a - b);

/** Parses `cron(...)` (the wrapper is required). */
export function parseCron(expression: string): CronParse {
  const match = /^cron\((.*)\)$/s.exec(expression.trim());
  if (!match) return { ok: false, reason: `expected ${CRON_FORMAT}` };
  const fields = (match[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) return { ok: false, reason: `expected 6 fields (${CRON_FORMAT}), received ${fields.length}` };
  const [minText = '', hourText = '', domText = '', monthText = '', dowText = '', yearText = ''] = fields;
  const minutes = parseSet(minText, MINUTES);
  if (typeof minutes === 'string') return { ok: false, reason: minutes };
  const hours = parseSet(hourText, HOURS);
  if (typeof hours === 'string') return { ok: false, reason: hours };
  const dayOfMonth = parseDayOfMonth(domText);
  if (typeof dayOfMonth === 'string') return { ok: false, reason: dayOfMonth };
  const months = parseSet(monthText, MONTH);
  if (typeof months === 'string') return { ok: false, reason: months };
  const dayOfWeek = parseDayOfWeek(dowText);
  if (typeof dayOfWeek === 'string') return { ok: false, reason: dayOfWeek };
  const years = parseSet(yearText, YEAR);
  if (typeof years === 'string') return { ok: false, reason: years };
  if ((dayOfMonth.kind === 'defer') === (dayOfWeek.kind === 'defer')) {
    return {
      ok: false,
      reason: `exactly one of day-of-month and day-of-week must be "?", received "${domText}" and "${dowText}"`,
    };
  }
  return { ok: true, spec: { minutes: sorted(minutes), hours: sorted(hours), dayOfMonth, months, dayOfWeek, years: sorted(years) } };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday, as in EventBridge. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWorkday(weekday: number): boolean {
  return weekday >= 2 && weekday <= 6;
}

function nearestWorkday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const day = Math.min(target, last);
  const weekday = weekdayOf(year, month, day);
  if (isWorkday(weekday)) return day;
  if (weekday === 7) return day > 1 ? day - 1 : day + 2; // Saturday: Friday before, or Monday after the 1st.
  return day < last ? day + 1 : day - 2; // Sunday: Monday after, or Friday before the month's end.
}

function dayMatches(rule: DayRule, year: number, month: number, day: number): boolean {
  switch (rule.kind) {
    case 'defer':
      return true;
    case 'set':
      return rule.values.has(day);
    case 'lastDay':
      return day === daysInMonth(year, month);
    case 'lastWeekday': {
      let last = daysInMonth(year, month);
      while (!isWorkday(weekdayOf(year, month, last))) last -= 1;
      return day === last;
    }
    case 'nearestWeekday':
      return rule.day <= daysInMonth(year, month) && day === nearestWorkday(year, month, rule.day);
    case 'lastOfWeekday':
      return weekdayOf(year, month, day) === rule.weekday && day + 7 > daysInMonth(year, month);
    case 'nthWeekday':
      return weekdayOf(year, month, day) === rule.weekday && Math.ceil(day / 7) === rule.n;
  }
}

function dayOfWeekMatches(rule: DayRule, year: number, month: number, day: number): boolean {
  if (rule.kind === 'set') return rule.values.has(weekdayOf(year, month, day));
  return dayMatches(rule, year, month, day);
}

/** The first firing strictly after `after` (UTC, whole minutes), or null when the expression never fires again. */
export function nextCronFiring(spec: CronSpec, after: Date): Date | null {
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const startYear = start.getUTCFullYear();
  const startMonth = start.getUTCMonth() + 1;
  const startDay = start.getUTCDate();
  const startHour = start.getUTCHours();
  const startMinute = start.getUTCMinutes();
  for (const year of spec.years) {
    if (year < startYear) continue;
    for (let month = year === startYear ? startMonth : 1; month <= 12; month += 1) {
      if (!spec.months.has(month)) continue;
      const sameMonth = year === startYear && month === startMonth;
      for (let day = sameMonth ? startDay : 1; day <= daysInMonth(year, month); day += 1) {
        if (!dayMatches(spec.dayOfMonth, year, month, day) || !dayOfWeekMatches(spec.dayOfWeek, year, month, day)) continue;
        const sameDay = sameMonth && day === startDay;
        for (const hour of spec.hours) {
          if (sameDay && hour < startHour) continue;
          for (const minute of spec.minutes) {
            if (sameDay && hour === startHour && minute < startMinute) continue;
            return new Date(Date.UTC(year, month - 1, day, hour, minute));
          }
        }
      }
    }
  }
  return null;
}

// Four years cover every leap-year and weekday pattern; the firing cap bounds dense schedules.
const PERIOD_WINDOW_MS = (4 * 366 + 1) * 86_400_000;
const PERIOD_MAX_FIRINGS = 2000;

/**
 * The shortest gap in seconds between consecutive firings, searched from the first year the
 * expression allows over a bounded window; null when it fires fewer than twice.
 */
export function shortestGapSeconds(spec: CronSpec): number | null {
  const firstYear = spec.years[0] ?? YEAR.min;
  let previous = nextCronFiring(spec, new Date(Date.UTC(firstYear, 0, 1) - 60_000));
  if (!previous) return null;
  const end = previous.getTime() + PERIOD_WINDOW_MS;
  let shortest: number | null = null;
  for (let i = 0; i < PERIOD_MAX_FIRINGS; i += 1) {
    const next = nextCronFiring(spec, previous);
    if (!next || next.getTime() > end) break;
    const gap = (next.getTime() - previous.getTime()) / 1000;
    if (shortest === null || gap < shortest) shortest = gap;
    if (shortest === 60) break; // No cron expression fires more often than once a minute.
    previous = next;
  }
  return shortest;
}
