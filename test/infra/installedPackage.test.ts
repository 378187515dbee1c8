// A team that installs probe-fleet from the registry has no package-lock.json inside the
// package (npm never publishes one): the constructs must still hash and bundle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { depsFileOf, sourceHash } from '../../lib/infra/probeBundle.js';

const dirs: string[] = [];

function packageDir(withLock: boolean, version = '1.0.0'): string {
  const root = mkdtempSync(join(tmpdir(), 'probe-fleet-installed-'));
  dirs.push(root);
  for (const dir of ['lib', 'lambdas', 'bin']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'probe-fleet', version }));
  writeFileSync(join(root, 'lib', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'lambdas', 'probe.ts'), 'export const handler = () => 1;\n');
  writeFileSync(join(root, 'bin', 'build-lambda.ts'), '// builder\n');
  if (withLock) writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
  return root;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('an installed package without package-lock.json', () => {
  it('pins dependencies by package.json, and by the lock file in a checkout', () => {
    const installed = packageDir(false);
    expect(depsFileOf(installed)).toBe(join(installed, 'package.json'));
    const checkout = packageDir(true);
    expect(depsFileOf(checkout)).toBe(join(checkout, 'package-lock.json'));
  });

  it('hashes its sources, and a new package version changes the hash', () => {
    const a = sourceHash(packageDir(false, '1.0.0'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceHash(packageDir(false, '1.0.0'))).toBe(a);
    expect(sourceHash(packageDir(false, '1.0.1'))).not.toBe(a);
  });
});
