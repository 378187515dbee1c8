// One JSON document at the end of the run: the result values exactly as the runner produced
// them (secrets redacted) plus the summary, for pipelines that parse rather than read. A result
// that did not pass also carries `check`: who owns it and what to do, so the page a failed
// gate sends a person to names them (as the list and JUnit reports do).
import type { Check } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { Redactor } from '../secrets/secrets.js';
import { redactDeep } from './format.js';
import type { OutputStream, Reporter, RunBeginInfo, RunSummary } from './reporter.js';
import { planKey } from './reporter.js';

/** The check's own words about a failure: who to call, what it should have done, how to undo the release. */
export interface FailedCheckInfo {
  name: string;
  service: string;
  owner: string;
  severity: Check['severity'];
  expect: string;
  runbook: string;
  rollbackNote: string;
}

/** A runner result; `check` is added (never renamed or replacing a field) on results that failed or were skipped. */
export type JsonResult = CheckResult & { check?: FailedCheckInfo };

export interface JsonReport {
  runId: string;
  fleet: string;
  summary: RunSummary;
  results: JsonResult[];
}

export class JsonReporter implements Reporter {
  private runId = '';
  private fleet = '';
  private readonly checks = new Map<string, Check>();

  constructor(
    private readonly out: OutputStream,
    private readonly redactor: Redactor,
  ) {}

  onBegin({ fleet, runId, planned }: RunBeginInfo): void {
    this.runId = runId;
    this.fleet = fleet.name;
    for (const p of planned) this.checks.set(planKey(p.check.id, p.environment), p.check);
  }

  onCheckEnd(): void {
    // The report is one document; nothing is written until the run ends.
  }

  onEnd(summary: RunSummary, results: CheckResult[]): void {
    const withChecks = results.map((result): JsonResult => {
      const check = result.ok ? undefined : this.checks.get(planKey(result.checkId, result.environment));
      if (!check) return result;
      const info: FailedCheckInfo = { name: check.name, service: check.service, owner: check.owner, severity: check.severity, expect: check.expect, runbook: check.runbook, rollbackNote: check.rollbackNote };
      return { ...result, check: info };
    });
    const report: JsonReport = { runId: this.runId, fleet: this.fleet, summary, results: redactDeep(withChecks, this.redactor) };
    this.out.write(`${this.redactor.redact(JSON.stringify(report, null, 2))}\n`);
  }
}
