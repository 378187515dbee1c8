// A failure raised inside the runner that already knows its stable kind. Executors
// throw it; runCheck turns it (and anything else) into a Failure value.
import type { Failure, FailureKind } from '../model/result.js';
import { RETRYABLE_KINDS } from '../model/result.js';

export class ProbeFailure extends Error {
  readonly retryable: boolean;
  constructor(
    readonly kind: FailureKind,
    message: string,
    retryable?: boolean,
  ) {
    super(message);
    this.name = 'ProbeFailure';
    this.retryable = retryable ?? RETRYABLE_KINDS.has(kind);
  }

  toFailure(step?: string): Failure {
    return { kind: this.kind, message: this.message, retryable: this.retryable, ...(step === undefined ? {} : { step }) };
  }
}

/** The sentence every message ends with, so a reader knows whether to press retry. */
export function retryNote(kind: FailureKind): string {
  return RETRYABLE_KINDS.has(kind) ? 'a retry is safe and may succeed' : 'a retry will not help until this is fixed';
}

export function fail(kind: FailureKind, message: string): ProbeFailure {
  return new ProbeFailure(kind, `${message}; ${retryNote(kind)}`);
}
