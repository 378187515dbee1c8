// `verify --record FILE`: one JSON line per run appended to FILE (or DIR/verify.jsonl when
// given a directory) — who ran which checks against what, expecting which version, when, and
// how each came out. The trail of what was tested in production and when.
import { statSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { CheckResult } from '../model/result.js';
import { redactDeep } from '../reporters/format.js';
import type { Redactor } from '../secrets/secrets.js';

export interface AuditActor {
  /**
   * The person or pipeline account: `GITHUB_ACTOR`, `GITLAB_USER_LOGIN`, `BUILD_REQUESTEDFOR`
   * and the like, else `USER`/`USERNAME`/`LOGNAME`, else the operating-system account running
   * the process; null only when none of these can be read.
   */
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
  /** The verdict line as printed (`healthy: …`, `roll back: …`), so the trail says why. */
  verdict?: string;
  /** The gate's budget, counted from process start, and whether it ran out. */
  deadline?: { ms: number; processStartedAt: string; reached: boolean };
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

/** The operating-system account running this process; null where it has none (no passwd entry). */
export function osUserName(): string | null {
  try {
    const name = userInfo().username;
    return name === '' ? null : name;
  } catch {
    return null;
  }
}

export function actorFrom(env: NodeJS.ProcessEnv, osUser: () => string | null = osUserName): AuditActor {
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
    // A trail entry without a name is of little use in an audit: when neither CI nor the
    // shell names anyone (a cron job, a container with a bare environment), the account
    // the process runs as does.
    user: pick('GITHUB_ACTOR', 'GITLAB_USER_LOGIN', 'BUILD_REQUESTEDFOR', 'CODEBUILD_INITIATOR', 'BUILD_USER_ID', 'USER', 'USERNAME', 'LOGNAME') ?? osUser(),
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
  verdict?: string;
  deadline?: { ms: number; processStartedAt: Date; reached: boolean };
  env: NodeJS.ProcessEnv;
  /** Defaults to the operating-system account (see actorFrom). */
  osUser?: () => string | null;
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
    ...(input.verdict === undefined ? {} : { verdict: input.verdict }),
    ...(input.deadline === undefined
      ? {}
      : { deadline: { ms: input.deadline.ms, processStartedAt: input.deadline.processStartedAt.toISOString(), reached: input.deadline.reached } }),
    actor: actorFrom(input.env, input.osUser),
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

/** The file name used when `--record` names a directory. */
export const AUDIT_FILE_NAME = 'verify.jsonl';

/**
 * `--record` takes a file, appended to (its directories created). A path that ends with a
 * separator, or names a directory that exists, means `DIR/verify.jsonl`, so `--record audit/`
 * keeps working in pipelines written for the directory form.
 */
export function auditRecordPath(cwd: string, flag: string): string {
  const path = resolve(cwd, flag);
  if (flag.endsWith('/') || flag.endsWith(sep)) return join(path, AUDIT_FILE_NAME);
  try {
    if (statSync(path).isDirectory()) return join(path, AUDIT_FILE_NAME);
  } catch {
    // Not there yet: a file to create.
  }
  return path;
}

/** Appends one line to `file`; a single write of one line keeps concurrent runs' lines whole. */
export async function appendAuditRecord(file: string, record: AuditRecord, redactor: Redactor): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(redactDeep(record, redactor))}\n`, 'utf8');
  return file;
}
