import type { Fleet, SecretRef } from './fleet.js';

/** Identity function that gives `probes.config.ts` full type checking and autocompletion. */
export function defineFleet(fleet: Fleet): Fleet {
  return fleet;
}

/** A reference to a secret by name; never a literal value. */
export function secret(name: string): SecretRef {
  return { $secret: name };
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && typeof (value as { $secret?: unknown }).$secret === 'string';
}
