// Durations in release plans: `0s`, `90s`, `2m`, `1h`, `500ms`. Unlike CLI budgets, a plan's
// offsets may be zero (T+0), so this accepts 0 and nothing negative.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseOffset(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]) * UNITS[match[2]!]!;
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** `120000` → `2m`, `90000` → `90s`, for messages and plan listings. */
export function formatOffset(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}
