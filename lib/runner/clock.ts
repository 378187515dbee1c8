// One attempt's time budget. The check's timeout starts when its first request
// starts and covers the service's time after that: connect, TLS, headers, body, later
// steps. Waiting for a rate-limit token (before the first request or between flow steps)
// is our own limiter's time, not the service's: the timeout is paused while waiting, and
// only the run's deadline bounds the wait. The run's deadline and the caller's signal cut
// the attempt short as well.

/** The longest delay a Node timer can hold: 2^31 - 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2_147_483_647;

export type CutCause = 'timeout' | 'deadline' | 'aborted';

/**
 * One real 'abort' listener per signal, however many attempts watch it. A run's signal is
 * shared by every check in flight; a listener each would pass Node's limit of 10 per
 * EventTarget and print MaxListenersExceededWarning with more than 10 checks running.
 * Keyed weakly, so a long-lived signal (a monitor's) keeps no record of finished attempts.
 */
const abortSubscribers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `listener` once when `signal` aborts (at once if it already has); returns the unsubscribe. */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  let subscribers = abortSubscribers.get(signal);
  if (!subscribers) {
    const set = new Set<() => void>();
    subscribers = set;
    abortSubscribers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        abortSubscribers.delete(signal);
        for (const subscriber of set) subscriber();
      },
      { once: true },
    );
  }
  const entry = (): void => {
    listener();
  };
  subscribers.add(entry);
  return () => {
    subscribers.delete(entry);
  };
}

export class AttemptClock {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private began = false;
  /** Time left on the check's own timeout while the clock waits for a rate-limit token. */
  private pausedLeftMs: number | null = null;
  private readonly detachOuter: () => void;
  cause: CutCause | null = null;
  /** Epoch ms when the attempt is cut; the run's deadline until the attempt begins. */
  deadline: number;

  constructor(
    readonly timeoutMs: number,
    private readonly runDeadline: number | undefined,
    outer?: AbortSignal,
  ) {
    this.deadline = runDeadline ?? Number.POSITIVE_INFINITY;
    if (runDeadline !== undefined) this.arm(runDeadline);
    this.detachOuter = onAbort(outer, () => {
      this.cut('aborted');
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get started(): boolean {
    return this.began;
  }

  /** Starts the check's own timeout; later calls do nothing. */
  begin(): void {
    if (this.began) return;
    this.began = true;
    const byTimeout = Date.now() + this.timeoutMs;
    if (byTimeout < this.deadline) this.arm(byTimeout);
  }

  /**
   * Stops the check's timeout while we wait on our own rate limiter; the run's deadline
   * still applies. Before `begin` (the first request) there is no timeout to stop.
   */
  pause(): void {
    if (!this.began || this.cause || this.pausedLeftMs !== null) return;
    if (this.deadline === this.runDeadline) {
      this.pausedLeftMs = Number.POSITIVE_INFINITY;
      return;
    }
    this.pausedLeftMs = Math.max(0, this.deadline - Date.now());
    if (this.runDeadline !== undefined) this.arm(this.runDeadline);
    else {
      clearTimeout(this.timer);
      this.deadline = Number.POSITIVE_INFINITY;
    }
  }

  /** Restarts the check's timeout with the time it had left when paused. */
  resume(): void {
    const left = this.pausedLeftMs;
    this.pausedLeftMs = null;
    if (left === null || left === Number.POSITIVE_INFINITY || this.cause) return;
    const byTimeout = Date.now() + left;
    if (byTimeout < (this.runDeadline ?? Number.POSITIVE_INFINITY)) this.arm(byTimeout);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.detachOuter();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.deadline = at;
    const cause: CutCause = at === this.runDeadline ? 'deadline' : 'timeout';
    const wait = Math.max(0, at - Date.now());
    // A Node timer cannot wait past MAX_TIMER_MS (it would fire at once and cut every check
    // as `deadline`); a farther deadline waits in steps instead.
    this.timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) this.arm(at);
        else this.cut(cause);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  private cut(cause: CutCause): void {
    if (this.cause) return;
    this.cause = cause;
    clearTimeout(this.timer);
    this.controller.abort(new CutOffError(cause));
  }
}

export class CutOffError extends Error {
  constructor(readonly cutCause: CutCause) {
    super(`attempt cut off: ${cutCause}`);
    this.name = 'CutOffError';
  }
}

/** Rejects as soon as the signal aborts, so a step that cannot be cancelled (dns.lookup) cannot hold the attempt past its deadline. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const detach = onAbort(signal, () => {
      reject(signal.reason as Error);
    });
    promise.then(
      (value) => {
        detach();
        resolve(value);
      },
      (error: unknown) => {
        detach();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
