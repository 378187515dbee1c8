// CA certificate files a run will read, checked before it starts: a missing file or one that
// holds anything but certificates would otherwise fail every check that uses it at run time,
// which a deploy gate reads as a broken service. File contents are never echoed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CaSource, Check, Fleet } from '../model/fleet.js';
import { caPemProblem } from './caPem.js';
import type { Diagnostic } from './errors.js';

const EXPECTED = 'a readable PEM file (relative to the working directory) with CERTIFICATE blocks and nothing else';

/** Problems with the `{ file }` CA sources the planned checks use, each at its exact path. */
export function caFileDiagnostics(fleet: Fleet, planned: readonly { check: Check; environment: string }[], cwd: string): Diagnostic[] {
  const owners = new Map<string, readonly CaSource[]>();
  for (const { check, environment } of planned) {
    // dns and tcp checks make no TLS connection, so no CA of theirs is ever read.
    if (check.kind === 'dns' || check.kind === 'tcp') continue;
    const environmentCas = fleet.environments[environment]?.caCertificates;
    if (environmentCas) owners.set(`environments.${environment}.caCertificates`, environmentCas);
    if (check.caCertificates) {
      const index = fleet.checks.indexOf(check);
      owners.set(index === -1 ? `check ${check.id}.caCertificates` : `checks[${index}].caCertificates`, check.caCertificates);
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const [path, sources] of [...owners.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    sources.forEach((source, i) => {
      if (!('file' in source)) return;
      const problem = caFileProblem(resolve(cwd, source.file));
      if (problem === undefined) return;
      const received = `${JSON.stringify(source.file)}: ${problem}`;
      diagnostics.push({ path: `${path}[${i}].file`, expected: EXPECTED, received, message: `expected ${EXPECTED}, received ${received}` });
    });
  }
  return diagnostics;
}

function caFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `no file at ${file}`;
    if (code === 'EISDIR') return `a directory at ${file}`;
    return `a file that cannot be read at ${file} (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
  const problem = caPemProblem(text);
  return problem === undefined ? undefined : `${problem} at ${file}`;
}
