// Packs datums into as few PutMetricData calls as CloudWatch's limits allow.
import type { MetricDatum } from './metricDatums.js';

export interface BatchLimits {
  /** Datums per PutMetricData call (service limit 1000). */
  maxDatums: number;
  /** Serialized request size in bytes (service limit 1 MB; we stay under 1,000,000). */
  maxBytes: number;
}

export const PUT_METRIC_DATA_LIMITS: BatchLimits = { maxDatums: 1000, maxBytes: 1_000_000 };

/**
 * Bytes a datum adds to the JSON 1.0 body the SDK sends (timestamps travel as epoch
 * seconds). Measured uncompressed: the limit applies before gzip is considered, and a
 * count that errs high only costs an extra call, while one that errs low costs a rejection.
 */
export function datumBytes(datum: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify({ ...datum, Timestamp: datum.Timestamp.getTime() / 1000 }));
}

/** Bytes of the request envelope `{"Namespace":"…","MetricData":[]}`. */
export function envelopeBytes(namespace: string): number {
  return Buffer.byteLength(JSON.stringify({ Namespace: namespace, MetricData: [] }));
}

export class DatumTooLargeError extends Error {
  readonly kind = 'datum_too_large';
  readonly retryable = false;
}

/**
 * Greedy in order: fills each call up to both limits before starting the next. Datums keep
 * their order across batches, which keeps the wire output deterministic for tests.
 */
export function batchDatums(
  datums: readonly MetricDatum[],
  namespace: string,
  limits: BatchLimits = PUT_METRIC_DATA_LIMITS,
): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  const base = envelopeBytes(namespace);
  let current: MetricDatum[] = [];
  let bytes = base;
  for (const datum of datums) {
    // +1 for the comma between array elements.
    const size = datumBytes(datum) + 1;
    if (base + size > limits.maxBytes) {
      throw new DatumTooLargeError(
        `metric ${datum.MetricName}: expected a datum under ${limits.maxBytes - base} bytes, received ${size}; no call could carry it`,
      );
    }
    if (current.length >= limits.maxDatums || bytes + size > limits.maxBytes) {
      batches.push(current);
      current = [];
      bytes = base;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
