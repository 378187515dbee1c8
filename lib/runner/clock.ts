// One attempt's time budget. The check's timeout starts when its first request
// starts (waiting for a rate-limit token before that is bounded by the run's deadline
// only) and covers everything after: connect, TLS, headers, body, later steps.
// The run's deadline and the caller's signal cut it short as well.

/** The longest delay a Node timer can hold: 2^31 - 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2_147_483_647;

export type CutCause = 'timeout' | 'deadline' | 'aborted';

export class AttemptClock {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private began = false;
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
    const onOuter = (): void => {
      this.cut('aborted');
    };
    if (outer?.aborted) this.cut('aborted');
    outer?.addEventListener('abort', onOuter, { once: true });
    this.detachOuter = () => {
      outer?.removeEventListener('abort', onOuter);
    };
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
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
