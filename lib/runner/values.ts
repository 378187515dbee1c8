// Secrets and `{{name}}` placeholders. Every secret value resolved here is added to the
// redactor before it is used, so no later text can leak it.
import type { Environment, SecretRef } from '../model/fleet.js';
import { isSecretRef } from '../model/defineFleet.js';
import type { Redactor, SecretProvider } from '../secrets/secrets.js';
import { SecretError } from '../secrets/secrets.js';
import { ProbeFailure } from './failure.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export class Values {
  private readonly secrets = new Map<string, Promise<string>>();

  constructor(
    private readonly provider: SecretProvider,
    private readonly redactor: Redactor,
    private readonly environment: Environment,
  ) {}

  /**
   * A secret's value; failures name the secret, never a value. A lookup that failed is
   * forgotten, so the check's next attempt asks again: a throttled or 5xx lookup
   * (`SecretError.retryable`) is a retryable failure, one that cannot succeed (no such
   * secret, access denied) is not. A failure that already knows its kind (the run's
   * deadline passed during the lookup) keeps it.
   */
  secret(name: string): Promise<string> {
    let pending = this.secrets.get(name);
    if (!pending) {
      const lookup = this.provider.resolve(name).then(
        (value) => {
          this.redactor.add(value);
          return value;
        },
        (error: unknown) => {
          if (this.secrets.get(name) === lookup) this.secrets.delete(name);
          if (error instanceof ProbeFailure) throw error;
          // A SecretError already names the secret, what was expected and received, and whether a retry is safe.
          if (error instanceof SecretError) throw new ProbeFailure('internal', error.message, error.retryable);
          const reason = error instanceof Error ? error.message : String(error);
          throw new ProbeFailure('internal', `secret '${name}' could not be resolved: ${reason}; a retry will not help until this is fixed`, false);
        },
      );
      pending = lookup;
      this.secrets.set(name, pending);
    }
    return pending;
  }

  async value(value: string | SecretRef): Promise<string> {
    return isSecretRef(value) ? this.secret(value.$secret) : value;
  }

  /** Replaces `{{name}}` with flow extractions first, then the environment's variables. */
  async fill(text: string, extracted: ReadonlyMap<string, string>): Promise<string> {
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
    if (names.length === 0) return text;
    const known = new Map<string, string>();
    for (const name of new Set(names)) {
      const fromFlow = extracted.get(name);
      if (fromFlow !== undefined) {
        known.set(name, fromFlow);
        continue;
      }
      const variable = this.environment.variables?.[name];
      if (variable === undefined) {
        const available = [...extracted.keys(), ...Object.keys(this.environment.variables ?? {})];
        throw new ProbeFailure(
          'internal',
          `placeholder {{${name}}}: expected an environment variable or a value extracted by an earlier step, found none (available: ${available.join(', ') || 'none'}); a retry will not help`,
          false,
        );
      }
      known.set(name, await this.value(variable));
    }
    return text.replace(PLACEHOLDER, (_match, name: string) => known.get(name) ?? '');
  }

  /** Fills placeholders in every string inside a JSON value. */
  async fillDeep(value: unknown, extracted: ReadonlyMap<string, string>): Promise<unknown> {
    if (typeof value === 'string') return this.fill(value, extracted);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.fillDeep(item, extracted)));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = await this.fillDeep(item, extracted);
      return out;
    }
    return value;
  }
}
