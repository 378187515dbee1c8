// One JSON document at the end of the run: the result values exactly as the runner produced
// them (secrets redacted) plus the summary, for pipelines that parse rather than read.
import type { CheckResult } from '../model/result.js';
import type { Redactor } from '../secrets/secrets.js';
import { redactDeep } from './format.js';
import type { OutputStream, Reporter, RunBeginInfo, RunSummary } from './reporter.js';

export interface JsonReport {
  runId: string;
  fleet: string;
  summary: RunSummary;
  results: CheckResult[];
}

export class JsonReporter implements Reporter {
  private runId = '';
  private fleet = '';

  constructor(
    private readonly out: OutputStream,
    private readonly redactor: Redactor,
  ) {}

  onBegin({ fleet, runId }: RunBeginInfo): void {
    this.runId = runId;
    this.fleet = fleet.name;
  }

  onCheckEnd(): void {
    // The report is one document; nothing is written until the run ends.
  }

  onEnd(summary: RunSummary, results: CheckResult[]): void {
    const report: JsonReport = { runId: this.runId, fleet: this.fleet, summary, results: redactDeep(results, this.redactor) };
    this.out.write(`${this.redactor.redact(JSON.stringify(report, null, 2))}\n`);
  }
}
