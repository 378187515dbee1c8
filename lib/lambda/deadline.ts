// When an invocation must stop running checks, and when it must stop publishing.
//
// window  = min(remaining Lambda time, the shard's schedule period)
// margin  = 10% of the window, at least 2 s, at most 10 s: the time kept for publishing
// checks  must start before start + window - margin
// publish must end before start + window - 250 ms (the EMF fallback still has to be written)

export const MIN_MARGIN_MS = 2_000;
export const MAX_MARGIN_MS = 10_000;
export const MARGIN_FRACTION = 0.1;
/** Left for writing EMF lines and the invocation line after publishing gives up. */
export const FINAL_WRITE_MS = 250;

export interface InvocationDeadlines {
  windowMs: number;
  marginMs: number;
  /** Epoch ms: checks not started by then are skipped. */
  runDeadline: number;
  /** Epoch ms: no PutMetricData attempt may still be running then. */
  publishDeadline: number;
}

export function invocationDeadlines(start: number, remainingMs: number, periodSeconds: number, marginMs?: number): InvocationDeadlines {
  const windowMs = Math.max(0, Math.min(remainingMs, periodSeconds * 1000));
  const margin = marginMs ?? Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, Math.round(windowMs * MARGIN_FRACTION)));
  return {
    windowMs,
    marginMs: margin,
    runDeadline: start + Math.max(0, windowMs - margin),
    publishDeadline: start + Math.max(0, windowMs - FINAL_WRITE_MS),
  };
}
