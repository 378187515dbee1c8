// `verify --record DIR`: one JSON line per run appended to DIR/verify.jsonl — who ran which
// checks against what, expecting which version, when, and how each came out. The trail of
// what was tested in production and when.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckResult } from '../model/result.js';
import { redactDeep } from '../reporters/format.js';
import type { Redactor } from '../secrets/secrets.js';

export interface AuditActor {
  /** The person or pipeline account: `GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, `BUILD_REQUESTEDFOR`, else `USER`. */
  user: string | null;
  /** The CI system, when one is recognised. */
  ci: string | null;
  /** Run, pipeline or build id in that CI system. */
  pipelineId: string | null;
  /** Commit being deployed, when the CI system says. */
  commit: string | null;
}

export interface AuditRecord {
  recordVersion: 1;
  kind: 'verify';
  runId: string;
  fleet: string;
  environments: string[];
  /**
   * The base URL each environment was tested at (environment → URL). With `--base-url` the
   * environment is only `custom`, so without this the trail would not say what was tested.
   */
  baseUrls: Record<string, string>;
  expectedVersion: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number;
  actor: AuditActor;
  checks: {
    checkId: string;
    environment: string;
    ok: boolean;
    flaky: boolean;
    skipped: boolean;
    durationMs: number;
    attempts: number;
    status: number | null;
    failureKind: string | null;
    failure: string | null;
    version: string | null;
  }[];
}

export function actorFrom(env: NodeJS.ProcessEnv): AuditActor {
  const pick = (...names: string[]): string | null => {
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
    }
    return null;
  };
  let ci: string | null = null;
  if (env.GITHUB_ACTIONS === 'true') ci = 'github-actions';
  else if (env.GITLAB_CI === 'true') ci = 'gitlab';
  else if (env.CODEBUILD_BUILD_ID) ci = 'aws-codebuild';
  else if (env.TF_BUILD === 'True') ci = 'azure-pipelines';
  else if (env.JENKINS_URL) ci = 'jenkins';
  else if (env.CI) ci = 'ci';
  return {
    user: pick('GITHUB_ACTOR', 'GITLAB_USER_LOGIN', 'BUILD_REQUESTEDFOR', 'CODEBUILD_INITIATOR', 'BUILD_USER_ID', 'USER', 'USERNAME', 'LOGNAME'),
    ci,
    pipelineId: pick('GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'CODEBUILD_BUILD_ID', 'BUILD_BUILDID', 'BUILD_TAG', 'CODEPIPELINE_EXECUTION_ID'),
    commit: pick('GITHUB_SHA', 'CI_COMMIT_SHA', 'CODEBUILD_RESOLVED_SOURCE_VERSION', 'BUILD_SOURCEVERSION', 'GIT_COMMIT'),
  };
}

export function buildAuditRecord(input: {
  runId: string;
  fleet: string;
  environments: string[];
  /** Environment → the base URL its checks ran against (the fleet's, or `--base-url`). */
  baseUrls?: Record<string, string>;
  expectedVersion: string | null;
  startedAt: Date;
  endedAt: Date;
  exitCode: number;
  env: NodeJS.ProcessEnv;
  results: readonly CheckResult[];
}): AuditRecord {
  return {
    recordVersion: 1,
    kind: 'verify',
    runId: input.runId,
    fleet: input.fleet,
    environments: input.environments,
    baseUrls: Object.fromEntries(Object.entries(input.baseUrls ?? {}).map(([environment, url]) => [environment, withoutUserinfo(url)])),
    expectedVersion: input.expectedVersion,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    durationMs: input.endedAt.getTime() - input.startedAt.getTime(),
    exitCode: input.exitCode,
    actor: actorFrom(input.env),
    checks: input.results.map((r) => ({
      checkId: r.checkId,
      environment: r.environment,
      ok: r.ok,
      flaky: r.flaky,
      skipped: r.skipped === true,
      durationMs: r.durationMs,
      attempts: r.attempts,
      status: r.status,
      failureKind: r.failure?.kind ?? null,
      failure: r.failure?.message ?? null,
      version: r.version ?? null,
    })),
  };
}

/**
 * URL flags refuse credentials, but a fleet file's baseUrl is written by hand; an audit trail
 * is kept for years and read widely, so a user name or password never goes into it.
 */
function withoutUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Appends one line; a single write of one line keeps concurrent runs' lines whole. */
export async function appendAuditRecord(dir: string, record: AuditRecord, redactor: Redactor): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'verify.jsonl');
  await appendFile(path, `${JSON.stringify(redactDeep(record, redactor))}\n`, 'utf8');
  return path;
}
