// Content-Encoding, decoded as a browser or a CDN's client would: the probe asks for
// gzip, deflate and br, so it takes the path real clients take, and assertions see the
// decoded body. The body cap applies to the decoded size, so a small compressed body that
// inflates to gigabytes (a gzip bomb) is `body_too_large`, not an out-of-memory crash.
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { FailureKind } from '../model/result.js';

/** What the probe asks for unless a check, environment or the fleet's defaults set `Accept-Encoding`. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export type DecodedBody = { ok: true; body: Buffer; encodings: string[] } | { ok: false; kind: FailureKind; message: string };

function decodeOne(encoding: string, input: Buffer, cap: number): Buffer | null {
  // One byte over the cap tells "exactly the cap" from "more than the cap".
  const options = { maxOutputLength: cap + 1 };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      // Several gzip members in a row are one body (RFC 1952 §2.2); gunzipSync reads them all.
      return gunzipSync(input, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
    case 'deflate':
      // RFC 9110 §8.4.1.2 says zlib-wrapped; some servers send raw deflate, which clients accept too.
      try {
        return inflateSync(input, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
        return inflateRawSync(input, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
      }
    case 'br':
      return brotliDecompressSync(input, options);
    case 'identity':
      return input;
    default:
      return null;
  }
}

/**
 * Decodes `raw` by its Content-Encoding (codings applied in order are undone in reverse).
 * An encoding the probe did not ask for and cannot decode leaves the body as received.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | string[] | undefined, cap: number, target: string): DecodedBody {
  const header = Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '');
  const encodings = header
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity');
  if (encodings.length === 0 || raw.length === 0) return { ok: true, body: raw, encodings: [] };
  let body = raw;
  for (const encoding of [...encodings].reverse()) {
    let decoded: Buffer | null;
    try {
      decoded = decodeOne(encoding, body, cap);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        return {
          ok: false,
          kind: 'body_too_large',
          message: `${target}: body larger than maxBodyBytes once decoded, expected at most ${cap} bytes after Content-Encoding ${encoding}, received ${raw.length} bytes that decode to more; a retry will not help until this is fixed`,
        };
      }
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        kind: 'assertion',
        message: `${target}: body: expected a body encoded as its Content-Encoding (${header}) says, received ${raw.length} bytes that do not decode as ${encoding} (${reason}); a retry will not help until this is fixed`,
      };
    }
    if (decoded === null) return { ok: true, body, encodings: [] };
    if (decoded.length > cap) {
      return {
        ok: false,
        kind: 'body_too_large',
        message: `${target}: body larger than maxBodyBytes once decoded, expected at most ${cap} bytes after Content-Encoding ${encoding}, received more; a retry will not help until this is fixed`,
      };
    }
    body = decoded;
  }
  return { ok: true, body, encodings };
}
