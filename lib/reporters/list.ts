// The default reporter: a live line per check as it ends, then a summary table and, for each
// failure, what on-call needs to act (owner, resolved assertions, kind, runbook, rollback note).
import type { Check } from '../model/fleet.js';
import type { CheckResult } from '../model/result.js';
import type { PlannedCheck } from '../runner/api.js';
import type { Redactor } from '../secrets/secrets.js';
import type { Palette } from './colors.js';
import { palette } from './colors.js';
import { failingAssertions, failureReason, formatDuration, outcomeOf, redactDeep } from './format.js';
import type { Outcome } from './format.js';
import type { OutputStream, Reporter, RunBeginInfo, RunSummary } from './reporter.js';
import { planKey } from './reporter.js';

export interface ListReporterOptions {
  redactor: Redactor;
  color: boolean;
}

const REASON_WIDTH = 72;

const SYMBOLS: Record<Outcome, string> = { passed: '✓', degraded: '~', flaky: '~', failed: '✗', skipped: '✗' };

export class ListReporter implements Reporter {
  private readonly colors: Palette;
  private readonly checks = new Map<string, Check>();

  constructor(
    private readonly out: OutputStream,
    private readonly options: ListReporterOptions,
  ) {
    this.colors = palette(options.color);
  }

  onBegin({ fleet, runId, planned }: RunBeginInfo): void {
    for (const p of planned) this.checks.set(planKey(p.check.id, p.environment), p.check);
    const environments = [...new Set(planned.map((p) => p.environment))];
    const noun = planned.length === 1 ? 'check' : 'checks';
    this.emit(`Running ${planned.length} ${noun} of fleet ${fleet.name} against ${environments.join(', ') || 'no environment'} (run ${runId})\n\n`);
  }

  onCheckEnd(raw: CheckResult, planned: PlannedCheck): void {
    // Redact before truncating: a cut could leave part of a secret that no longer matches.
    const result = redactDeep(raw, this.options.redactor);
    const outcome = outcomeOf(result);
    const symbol = this.paint(outcome, SYMBOLS[outcome]);
    const label = outcome === 'passed' ? '' : ` ${this.paint(outcome, outcome)}`;
    const reason = failureReason(result);
    const tail = reason === '' ? '' : `  ${this.colors.dim(truncate(reason, REASON_WIDTH * 2))}`;
    this.emit(`  ${symbol} ${planned.check.id} ${this.colors.dim(`[${result.environment}]`)} ${formatDuration(result.durationMs)}${label}${tail}\n`);
  }

  onEnd(summary: RunSummary, raw: CheckResult[]): void {
    const results = redactDeep(raw, this.options.redactor);
    this.emit(`\n${this.table(results)}`);
    const failures = results.filter((r) => !r.ok || r.skipped === true);
    if (failures.length > 0) {
      this.emit(`\n${this.colors.bold('Failures')}\n`);
      failures.forEach((result, index) => this.emit(this.failureDetail(result, index + 1)));
    }
    this.emit(`\n${this.summaryLine(summary)}\n`);
  }

  private table(results: CheckResult[]): string {
    const header = ['check', 'environment', 'result', 'duration', 'failure reason'];
    const rows = results.map((r) => [r.checkId, r.environment, outcomeOf(r), formatDuration(r.durationMs), truncate(failureReason(r), REASON_WIDTH)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[], paintCell: (cell: string, i: number) => string): string =>
      cells
        .map((cell, i) => paintCell(i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0), i))
        .join('  ')
        .trimEnd();
    const out = [line(header, (cell) => this.colors.bold(cell))];
    for (const row of rows) out.push(line(row, (cell, i) => (i === 2 ? this.paint(row[2] as Outcome, cell) : cell)));
    return `${out.map((l) => `  ${l}`).join('\n')}\n`;
  }

  private failureDetail(result: CheckResult, n: number): string {
    const check = this.checks.get(planKey(result.checkId, result.environment));
    const lines = [`\n  ${n}) ${this.colors.red(result.checkId)} [${result.environment}]${check ? ` ${check.name}` : ''}`];
    const field = (name: string, value: string): void => {
      lines.push(`     ${this.colors.dim(`${name}:`.padEnd(10))} ${value}`);
    };
    if (check) {
      field('service', check.service);
      field('owner', check.owner);
      field('expected', check.expect);
    }
    if (result.failure) {
      field('kind', `${result.failure.kind}${result.failure.step === undefined ? '' : ` (step "${result.failure.step}")`}`);
      field('retryable', result.failure.retryable ? 'yes' : 'no');
    } else if (result.skipped === true) {
      field('kind', 'skipped');
    }
    const assertions = failingAssertions(result);
    for (const assertion of assertions) field('assertion', assertion);
    if (result.failure && (result.failure.kind !== 'assertion' || assertions.length === 0)) field('message', result.failure.message);
    if (check) {
      field('runbook', check.runbook);
      field('rollback', check.rollbackNote);
    }
    return `${lines.join('\n')}\n`;
  }

  private summaryLine(s: RunSummary): string {
    const parts = [
      this.colors.green(`${s.passed} passed`),
      s.failed > 0 ? this.colors.red(`${s.failed} failed`) : `${s.failed} failed`,
      `${s.degraded} degraded`,
      `${s.flaky} flaky`,
      s.skipped > 0 ? this.colors.red(`${s.skipped} skipped`) : `${s.skipped} skipped`,
    ];
    return `${s.total} ${s.total === 1 ? 'check' : 'checks'}: ${parts.join(', ')} in ${formatDuration(s.durationMs)}`;
  }

  private paint(outcome: Outcome, text: string): string {
    switch (outcome) {
      case 'passed':
        return this.colors.green(text);
      case 'degraded':
      case 'flaky':
        return this.colors.yellow(text);
      case 'failed':
      case 'skipped':
        return this.colors.red(text);
    }
  }

  private emit(text: string): void {
    this.out.write(this.options.redactor.redact(text));
  }
}

function truncate(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, width - 1)}…`;
}
