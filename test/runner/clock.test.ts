// AttemptClock with a run deadline farther away than a Node timer can wait.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AttemptClock } from '../../lib/runner/clock.js';

describe('AttemptClock', () => {
  it('does not cut an attempt at once when the run deadline is 30 days away', async () => {
    // Before: setTimeout clamped the 30-day delay to 1ms and every check failed as `deadline`.
    const clock = new AttemptClock(5_000, Date.now() + 30 * 86_400_000);
    try {
      clock.begin();
      await sleep(50);
      expect(clock.cause).toBeNull();
      expect(clock.signal.aborted).toBe(false);
      // The check's own timeout is now the nearer cut.
      expect(clock.deadline).toBeLessThan(Date.now() + 5_000 + 1);
    } finally {
      clock.dispose();
    }
  });

  it('still cuts at a deadline that is near', async () => {
    const clock = new AttemptClock(60_000, Date.now() + 20);
    try {
      await new Promise<void>((done) => clock.signal.addEventListener('abort', () => done(), { once: true }));
      expect(clock.cause).toBe('deadline');
    } finally {
      clock.dispose();
    }
  });
});
