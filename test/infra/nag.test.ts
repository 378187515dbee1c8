// cdk-nag's AwsSolutions and Serverless packs: the fleet synthesizes with zero
// unacknowledged findings, and an unacknowledged finding does fail synthesis (so the first
// test can fail). The CDK's built-in CloudFormation validation is off here (it takes ~40 s);
// test/infra/cdkApp.test.ts synthesizes through the CDK app with it on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyNagPacks, ProbeFleet } from '../../lib/infra/index.js';
import { smallFleet } from './synth.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function outdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-nag-'));
  dirs.push(dir);
  return dir;
}

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in a fleet with every feature', () => {
    const dir = outdir();
    // The CDK's built-in CloudFormation validation is left to `cdk synth` (it takes ~40 s here).
    const app = new App({ outdir: dir, builtinCloudFormationValidation: false });
    const fleet = new ProbeFleet(app, 'Fleet', { fleet: smallFleet(), bundling: 'skip' });
    applyNagPacks(app);
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(dir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    for (const stack of fleet.stacks) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });

  it('fails synthesis on an unacknowledged finding', () => {
    const app = new App({ outdir: outdir(), builtinCloudFormationValidation: false });
    new ProbeFleet(app, 'Fleet', { fleet: smallFleet(), bundling: 'skip' });
    // A queue without a DLQ or SSL enforcement: AwsSolutions-SQS3/SQS4 must trip.
    new Queue(new Stack(app, 'Extra', { env: { region: 'eu-west-1' } }), 'Plain');
    applyNagPacks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS[34]/);
  });
});
