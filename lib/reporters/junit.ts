// JUnit XML, the format every CI system reads: one testsuite per environment, one testcase per
// check per environment (classname = the service), failures carrying the resolved assertions.
import type { Check } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { Redactor } from '../secrets/secrets.js';
import { failingAssertions, failureReason, redactDeep } from './format.js';
import type { OutputStream, Reporter, RunBeginInfo, RunSummary } from './reporter.js';
import { planKey, summarize } from './reporter.js';
import { attributes, escapeText } from './xml.js';

export class JUnitReporter implements Reporter {
  private runId = '';
  private fleet = '';
  private startedAt = new Date().toISOString();
  private readonly checks = new Map<string, Check>();

  constructor(
    private readonly out: OutputStream,
    private readonly redactor: Redactor,
  ) {}

  onBegin({ fleet, runId, planned }: RunBeginInfo): void {
    this.runId = runId;
    this.fleet = fleet.name;
    this.startedAt = new Date().toISOString();
    for (const p of planned) this.checks.set(planKey(p.check.id, p.environment), p.check);
  }

  onCheckEnd(): void {
    // The document is written whole at the end so that it is always well-formed.
  }

  onEnd(summary: RunSummary, raw: CheckResult[]): void {
    const results = redactDeep(raw, this.redactor);
    const byEnvironment = new Map<string, CheckResult[]>();
    for (const result of results) {
      const list = byEnvironment.get(result.environment) ?? [];
      list.push(result);
      byEnvironment.set(result.environment, list);
    }
    const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
    lines.push(
      `<testsuites${attributes({ name: `probe-fleet ${this.fleet}`, tests: summary.total, failures: summary.failed, errors: 0, skipped: summary.skipped, time: seconds(summary.durationMs), timestamp: this.startedAt })}>`,
    );
    for (const [environment, list] of byEnvironment) {
      const s = summarize(list, list.reduce((sum, r) => sum + r.durationMs, 0));
      lines.push(
        `  <testsuite${attributes({ name: `${this.fleet} [${environment}]`, tests: s.total, failures: s.failed, errors: 0, skipped: s.skipped, time: seconds(s.durationMs), timestamp: this.startedAt })}>`,
      );
      lines.push(`    <properties>`);
      lines.push(`      <property${attributes({ name: 'runId', value: this.runId })}/>`);
      lines.push(`      <property${attributes({ name: 'environment', value: environment })}/>`);
      lines.push(`    </properties>`);
      for (const result of list) lines.push(...this.testcase(result));
      lines.push('  </testsuite>');
    }
    lines.push('</testsuites>');
    this.out.write(this.redactor.redact(`${lines.join('\n')}\n`));
  }

  private testcase(result: CheckResult): string[] {
    const check = this.checks.get(planKey(result.checkId, result.environment));
    const name = `${result.checkId}${check ? `: ${check.name}` : ''} [${result.environment}]`;
    const open = `    <testcase${attributes({ name, classname: check?.service ?? result.checkId, time: seconds(result.durationMs) })}`;
    const body: string[] = [];
    if (result.skipped === true) {
      body.push(`      <skipped${attributes({ message: failureReason(result) })}/>`);
    } else if (!result.ok) {
      const detail = failureDetail(result, check);
      body.push(`      <failure${attributes({ message: failureReason(result), type: result.failure?.kind ?? 'assertion' })}>${escapeText(detail)}</failure>`);
    }
    const notes = [];
    if (result.flaky) notes.push(`flaky: passed only on attempt ${result.attempts}`);
    if (result.degraded) notes.push(`degraded: ${Math.round(result.durationMs)} ms is slower than the check's degraded threshold`);
    if (result.certDaysRemaining !== null) notes.push(`certificate days remaining: ${result.certDaysRemaining}`);
    if (notes.length > 0) body.push(`      <system-out>${escapeText(notes.join('\n'))}</system-out>`);
    if (body.length === 0) return [`${open}/>`];
    return [`${open}>`, ...body, '    </testcase>'];
  }
}

function failureDetail(result: CheckResult, check: Check | undefined): string {
  const lines: string[] = [];
  if (result.failure) {
    lines.push(`kind: ${result.failure.kind}${result.failure.step === undefined ? '' : ` (step "${result.failure.step}")`}`);
    lines.push(`retryable: ${result.failure.retryable ? 'yes' : 'no'}`);
    lines.push(`message: ${result.failure.message}`);
  }
  for (const assertion of failingAssertions(result)) lines.push(`assertion: ${assertion}`);
  if (check) {
    lines.push(`owner: ${check.owner}`, `expected: ${check.expect}`, `runbook: ${check.runbook}`, `rollback: ${check.rollbackNote}`);
  }
  lines.push(`attempts: ${result.attempts}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
