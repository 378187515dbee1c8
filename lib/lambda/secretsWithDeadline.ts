// Secret lookups in the probe: bounded by the invocation's run deadline, and failing with a
// kind of their own. The runner's attempt clock does not reach a lookup in progress, so without
// the bound a hung Secrets Manager would hold a check, and with it the whole invocation, past
// the time kept for publishing its metrics. The kind (`secret_unavailable`, not `internal`)
// lets the publisher recognise a check stopped by its own secret without reading messages:
// such a check publishes no Success (a Secrets Manager outage is not the service's outage)
// and is counted in SecretLookupFailures.
import type { SecretProvider } from '../secrets/secrets.js';
import { SecretError } from '../secrets/secrets.js';
import { ProbeFailure, retryNote } from '../runner/failure.js';

/**
 * A provider that rejects at `deadline` (epoch ms) with a `deadline` failure, so the check
 * counts as cut by the deadline (our lack of time), not as a failure of its service; and that
 * turns every failed lookup into a `secret_unavailable` failure that keeps the lookup's own
 * message (it names the secret, never a value) and whether a retry is safe.
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
            reject(secretLookupFailure(name, error));
          },
        );
      });
    },
  };
}

function secretLookupFailure(name: string, error: unknown): ProbeFailure {
  if (error instanceof ProbeFailure) return error;
  if (error instanceof SecretError) return new ProbeFailure('secret_unavailable', error.message, error.retryable);
  const reason = error instanceof Error ? error.message : String(error);
  return new ProbeFailure('secret_unavailable', `secret '${name}' could not be resolved: ${reason}; a retry will not help until this is fixed`, false);
}
