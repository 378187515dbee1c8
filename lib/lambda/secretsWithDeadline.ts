// Bounds secret lookups by the invocation's run deadline. The runner's attempt clock does
// not reach a lookup in progress, so without this a hung Secrets Manager would hold a check,
// and with it the whole invocation, past the time kept for publishing its metrics.
import type { SecretProvider } from '../secrets/secrets.js';
import { ProbeFailure, retryNote } from '../runner/failure.js';

/**
 * A provider that rejects at `deadline` (epoch ms) with a `deadline` failure, so the check
 * counts as cut by the deadline (our lack of time), not as a failure of its service.
 * The lookup itself goes on in `provider` (shared, cached per container) until its own timeout.
 */
export function secretsWithDeadline(provider: SecretProvider, deadline: number): SecretProvider {
  return {
    resolve(name) {
      const lookup = provider.resolve(name);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => {
            reject(new ProbeFailure('deadline', `secret '${name}': the run's deadline passed while waiting for Secrets Manager, expected the value first; ${retryNote('deadline')}`));
          },
          Math.max(0, deadline - Date.now()),
        );
        lookup.then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
  };
}
