// Shared builders for runner tests: a minimal valid fleet and run options around it.
import type { Check, Environment, Fleet, HttpCheck } from '../../lib/model/fleet.js';
import type { RunOptions } from '../../lib/runner/api.js';
import { memoryRequestLog } from '../../lib/runner/requestLog.js';
import { EnvSecretProvider, Redactor } from '../../lib/secrets/secrets.js';

export const COMMON = {
  name: 'test check',
  service: 'svc',
  owner: 'team',
  runbook: 'https://runbooks.example.test/svc',
  rollbackNote: 'roll back',
  expect: 'it works',
  severity: 'critical',
} as const;

export function httpCheck(url: string, extra: Partial<HttpCheck> = {}): HttpCheck {
  return { ...COMMON, id: 'http-check', kind: 'http', url, ...extra };
}

export function fleetOf(checks: Check[], environments: Record<string, Environment> = { prod: { baseUrl: 'http://127.0.0.1:1' } }, extra: Partial<Fleet> = {}): Fleet {
  return { name: 'test-fleet', homeRegion: 'eu-west-1', regions: ['eu-west-1'], environments, checks, ...extra };
}

export function optionsFor(fleet: Fleet, extra: Partial<RunOptions> = {}, env: NodeJS.ProcessEnv = {}): RunOptions & { requestLog: ReturnType<typeof memoryRequestLog> } {
  const redactor = new Redactor();
  return {
    fleet,
    runId: 'run-test-1',
    location: 'local',
    secrets: new EnvSecretProvider(env, redactor),
    redactor,
    ...extra,
    requestLog: memoryRequestLog(),
  };
}
