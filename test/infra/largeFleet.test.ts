// 1000 generated checks in 3 regions: every stack stays under 450 resources and every
// template under CloudFormation's 1 MB.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, expect, it } from 'vitest';
import { generatedFleet } from '../../bench/generatedFleet.js';
import { planCertificateEndpoints } from '../../lib/alerting/certificateEndpoints.js';
import { MAX_RESOURCES_PER_STACK, ProbeFleet } from '../../lib/infra/index.js';
import { planTargets } from '../../lib/infra/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'probe-fleet-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('synthesizes 1000 checks × 3 regions with no stack over 450 resources or 1 MB', { timeout: 180_000 }, () => {
  const app = new App({ outdir: dir, builtinCloudFormationValidation: false });
  const fleet = new ProbeFleet(app, 'Fleet', { fleet: generatedFleet(1000, ['eu-west-1', 'us-east-1', 'ap-southeast-1']), bundling: 'skip' });
  const assembly = app.synth();
  expect(assembly.stacks.length).toBe(fleet.stacks.length);
  let alarms = 0;
  let certificateAlarms = 0;
  let functions = 0;
  for (const stack of assembly.stacks) {
    const text = readFileSync(join(dir, stack.templateFile), 'utf8');
    const resources = Object.values((JSON.parse(text) as { Resources: Record<string, { Type: string }> }).Resources);
    expect(resources.length, stack.stackName).toBeLessThanOrEqual(MAX_RESOURCES_PER_STACK);
    expect(Buffer.byteLength(text), stack.stackName).toBeLessThan(1_000_000);
    alarms += resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
    if (stack.stackName.includes('-certificates')) certificateAlarms += resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
    functions += resources.filter((r) => r.Type === 'AWS::Lambda::Function').length;
  }
  // Every check has an availability alarm; the even http ones a latency alarm; every TLS
  // endpoint (not every check) two certificate alarms.
  const endpoints = planCertificateEndpoints(fleet.fleet, planTargets(fleet.fleet)).length;
  expect(endpoints).toBeGreaterThan(0);
  expect(certificateAlarms).toBe(2 * endpoints);
  expect(alarms).toBeGreaterThanOrEqual(1000 + 450 + 2 * endpoints);
  expect(functions).toBe(fleet.shards.length);
  expect(fleet.alarmStacks.length).toBeGreaterThan(10);
  expect(Object.keys(fleet.serviceAlarms)).toHaveLength(25);
});
