// Where a failed browser journey's screenshot and trace go: a directory beside the reports
// locally, an encrypted S3 bucket in AWS (lib/lambda wires that sink). The runner only knows
// this interface; it never picks the destination.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Redactor } from '../secrets/secrets.js';

export interface ArtifactSink {
  /** Stores one artifact under `name` (already safe for a file name) and returns where it is. */
  put(name: string, body: Uint8Array, contentType: string): Promise<string>;
}

/** Writes artifacts into `dir` (created on first use); returns the absolute file path. */
export function directoryArtifacts(dir: string): ArtifactSink {
  const root = resolve(dir);
  return {
    async put(name, body) {
      await mkdir(root, { recursive: true });
      const path = join(root, name);
      await writeFile(path, body);
      return path;
    },
  };
}

/**
 * A file name for an artifact of one attempt: check, environment, location, run id and
 * attempt. Every part is redacted before it is reduced to `[A-Za-z0-9._-]`, so neither a
 * secret nor an encoded form of it can reach a file name or an S3 key, and nothing can climb
 * out of the directory.
 */
export function artifactName(
  parts: { checkId: string; environment: string; location: string; runId: string; attempt: number },
  extension: 'png' | 'zip',
  redactor: Redactor,
): string {
  const clean = (text: string): string =>
    redactor
      .redact(text)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[.-]+|-+$/g, '')
      .slice(0, 80) || 'x';
  return `${[parts.checkId, parts.environment, parts.location, parts.runId].map(clean).join('_')}_attempt${parts.attempt}.${extension}`;
}

/** The prefix under which screenshots and traces are written in S3: `browser/<check id>/…`. */
export const ARTIFACT_PREFIX = 'browser/';

/** The S3 key of one artifact: grouped per check and day, so an alarm can link the check's folder. */
export function artifactKey(checkId: string, fileName: string, at: Date): string {
  return `${ARTIFACT_PREFIX}${checkId}/${at.toISOString().slice(0, 10)}/${fileName}`;
}
