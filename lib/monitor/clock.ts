// Time for the scheduler, injectable so tests can run a day of schedule in milliseconds.
export interface MonitorClock {
  now(): number;
  /** Resolves true at `at`, or false as soon as the signal aborts. */
  sleepUntil(at: number, signal: AbortSignal): Promise<boolean>;
}

/** setTimeout caps at about 24.8 days; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: MonitorClock = {
  now: () => Date.now(),
  sleepUntil(at, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve(false);
        return;
      }
      let timer: NodeJS.Timeout;
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const arm = (): void => {
        const wait = at - Date.now();
        if (wait <= 0) {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
          return;
        }
        timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  },
};
