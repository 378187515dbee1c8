// Runs a script in a fresh node process (a cold module cache, as Lambda loads a bundle) and
// collects what it printed; invokeBundledProbe does that for a probe bundle's handler.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

export function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ stdout, stderr, code }));
  });
}

export interface BundledProbeRun {
  stdout: string;
  stderr: string;
  code: number | null;
  /** The handler's log lines (every stdout line before the summary). */
  lines: string[];
  summary: Record<string, unknown>;
}

/**
 * Imports a bundled probe handler in a fresh node process and invokes it once with `event`,
 * with dummy credentials and metrics sent to `cloudwatchEndpoint`.
 */
export async function invokeBundledProbe(options: { handlerFile: string; script: string; event: unknown; requestId: string; cloudwatchEndpoint: string }): Promise<BundledProbeRun> {
  await writeFile(
    options.script,
    [
      `const { handler } = await import(${JSON.stringify(pathToFileURL(options.handlerFile).href)});`,
      'const end = Date.now() + 60000;',
      `const summary = await handler(${JSON.stringify(options.event)}, { awsRequestId: ${JSON.stringify(options.requestId)}, getRemainingTimeInMillis: () => end - Date.now() });`,
      'console.log("SUMMARY " + JSON.stringify(summary));',
    ].join('\n'),
  );
  const run = await runNode(options.script, {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'x',
    PROBE_CLOUDWATCH_ENDPOINT: options.cloudwatchEndpoint,
  });
  const all = run.stdout.trim().split('\n');
  const last = all.at(-1) ?? '';
  const summary = last.startsWith('SUMMARY ') ? (JSON.parse(last.slice('SUMMARY '.length)) as Record<string, unknown>) : {};
  return { ...run, lines: all.slice(0, -1), summary };
}
