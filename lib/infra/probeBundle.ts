// The files that travel with a Lambda bundle besides the code (`fleet.json`,
// `notify.json`), staged under a directory named by their content hash. The same hash,
// combined with the hash of the handler sources, is the asset hash: change the fleet or
// the code and the function is redeployed; change nothing and nothing moves.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './projectRoot.js';

/**
 * The file that pins the dependencies a bundle is built from: the package's own
 * `package-lock.json` in a checkout, else its `package.json`. npm never puts a lock file into
 * a published tarball, so a team that installed probe-fleet from the registry has none here;
 * its package.json (exact version and dependency ranges) is then what identifies the build.
 */
export function depsFileOf(root: string): string {
  const lock = join(root, 'package-lock.json');
  return existsSync(lock) ? lock : join(root, 'package.json');
}

const sourceHashes = new Map<string, string>();

/** Hash of everything a bundle is built from: lib/ and lambdas/ sources, the bundler's entry and the dependency pins (depsFileOf). */
export function sourceHash(root: string = projectRoot()): string {
  const cached = sourceHashes.get(root);
  if (cached) return cached;
  const hash = createHash('sha256');
  const visit = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (/\.(ts|js|json)$/.test(entry)) hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  for (const dir of ['lib', 'lambdas']) visit(join(root, dir));
  hash.update('bin/build-lambda.ts').update(readFileSync(join(root, 'bin', 'build-lambda.ts')));
  const deps = depsFileOf(root);
  hash.update(deps.slice(root.length)).update(readFileSync(deps));
  const digest = hash.digest('hex');
  sourceHashes.set(root, digest);
  return digest;
}

export interface StagedFiles {
  dir: string;
  /** Hash of the staged files alone. */
  contentHash: string;
}

/** Writes `files` into a fresh content-addressed directory (idempotent: same content, same dir). */
export function stageFiles(files: Record<string, string>): StagedFiles {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(name).update('\0').update(files[name] ?? '').update('\0');
  const contentHash = hash.digest('hex');
  const dir = join(tmpdir(), 'probe-fleet-bundle-files', contentHash.slice(0, 32));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, contentHash };
}

export function assetHashOf(staged: StagedFiles, entry: string): string {
  return createHash('sha256').update(entry).update(staged.contentHash).update(sourceHash()).digest('hex');
}

/** Shell commands (run by CDK's local bundling) that copy the staged files into the bundle. */
export function copyCommands(staged: StagedFiles, files: readonly string[], outputDir: string): string[] {
  return files.map((name) => `cp "${join(staged.dir, name)}" "${join(outputDir, name)}"`);
}
