// POSTs one JSON message to a webhook. Webhook URLs are secrets (anyone holding one can post
// to the channel), so no error, log line or exception ever carries the full URL.
import { request } from 'undici';
import type { Redactor } from '../secrets/secrets.js';

export interface DeliverOptions {
  /** Total attempts, first included (default 4). */
  attempts?: number;
  /** Wait before the first retry; doubles each time, with jitter (default 250 ms). */
  backoffMs?: number;
  /** Per-attempt timeout (default 5 s). */
  timeoutMs?: number;
  /** Upper bound for a `Retry-After` the receiver asks for (default 5 s). */
  maxRetryAfterMs?: number;
  /** Epoch ms after which no attempt starts and no wait begins (the Lambda's remaining time). */
  deadline?: number;
  redactor?: Redactor;
  /** Request headers besides content-type and user-agent (e.g. SNS's `x-amz-sns-*` for a forwarded notification). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

export interface Delivered {
  status: number;
  attempts: number;
  body: string;
}

export class DeliveryError extends Error {
  readonly kind = 'delivery_failed';
  constructor(
    message: string,
    /** Whether sending again later may succeed (network errors, 429, 5xx). */
    readonly retryable: boolean,
    readonly status: number | null,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/** `https://hooks.slack.com/[REDACTED]`: enough to tell which provider failed, nothing to post with. */
export function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/[REDACTED]`;
  } catch {
    return '[REDACTED URL]';
  }
}

function retryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

function retryAfterMs(header: string | string[] | undefined, cap: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(cap, Math.max(0, seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.min(cap, Math.max(0, date - Date.now()));
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliverJson(url: string, message: unknown, options: DeliverOptions = {}): Promise<Delivered> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const backoff = options.backoffMs ?? 250;
  // Several destinations share one Lambda timeout (30 s): a hung webhook must not eat it all.
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const clean = (text: string): string => {
    const withoutUrl = text.split(url).join(redactUrl(url));
    return options.redactor ? options.redactor.redact(withoutUrl) : withoutUrl;
  };
  const body = JSON.stringify(message);
  let last = '';
  let lastStatus: number | null = null;
  let retryable = true;
  // Attempts actually sent: a 4xx, an abort or the deadline stop before the configured number.
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    made = attempt;
    let wait = backoff * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
    try {
      const left = options.deadline === undefined ? timeoutMs : Math.min(timeoutMs, options.deadline - Date.now());
      const signals = [AbortSignal.timeout(Math.max(1, left)), ...(options.signal ? [options.signal] : [])];
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'probe-fleet-notify', ...options.headers },
        body,
        signal: AbortSignal.any(signals),
      });
      const text = (await response.body.text()).slice(0, 2000);
      if (response.statusCode >= 200 && response.statusCode < 300) return { status: response.statusCode, attempts: attempt, body: text };
      lastStatus = response.statusCode;
      retryable = retryableStatus(response.statusCode);
      last = `received HTTP ${response.statusCode}: ${JSON.stringify(text.slice(0, 300))}`;
      if (!retryable) break;
      wait = retryAfterMs(response.headers['retry-after'], options.maxRetryAfterMs ?? 5000) ?? wait;
    } catch (error) {
      lastStatus = null;
      retryable = true;
      const e = error as { code?: string; message?: string; name?: string };
      last = `network error ${e.code ?? e.name ?? 'unknown'}: ${e.message ?? String(error)}`;
      if (options.signal?.aborted) break;
    }
    if (attempt < attempts) {
      if (options.deadline !== undefined && Date.now() + wait >= options.deadline) {
        last += `; stopped after attempt ${attempt}: the invocation's deadline left no time for another`;
        break;
      }
      await sleep(wait);
    }
  }
  throw new DeliveryError(
    clean(`delivery to ${redactUrl(url)} failed after ${made} attempt(s): expected HTTP 2xx, ${last}; ${retryable ? 'safe to retry' : 'retrying will not help until the request or webhook is fixed'}`),
    retryable,
    lastStatus,
    made,
  );
}
