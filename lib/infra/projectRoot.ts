// Where the probe-fleet sources live (the Lambda entry points are bundled from source),
// whether this module runs from `lib/infra` (tests) or from `dist/lib/infra` (the CDK app).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'probe-fleet') {
      cached = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('probe-fleet: expected the package root (package.json named probe-fleet) above lib/infra, found none; reinstall the package');
}
