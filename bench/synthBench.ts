// `npm run bench:synth`: synthesizes generated fleets of 10, 100 and 1000 checks in 3
// regions in-process and prints one JSON array: stacks, the largest stack's resource
// count, the largest template's size and the synthesis time. The Lambda bundles are
// skipped (`bundling: 'skip'`): esbuild's time does not grow with the fleet, the templates do.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { ProbeFleet } from '../lib/infra/index.js';
import { generatedFleet } from './generatedFleet.js';

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
const SIZES = [10, 100, 1000];

interface Row {
  checks: number;
  regions: number;
  stacks: number;
  maxResourcesPerStack: number;
  maxTemplateBytes: number;
  alarms: number;
  synthSeconds: number;
}

function measure(checks: number): Row {
  const outdir = mkdtempSync(join(tmpdir(), 'probe-fleet-synth-'));
  try {
    const started = performance.now();
    // The CDK's built-in CloudFormation schema validation is off here: it costs more than
    // the synthesis itself and is exercised by `cdk synth` and the test suite.
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const fleet = new ProbeFleet(app, 'Fleet', { fleet: generatedFleet(checks, REGIONS), bundling: 'skip' });
    const assembly = app.synth();
    const synthSeconds = (performance.now() - started) / 1000;
    let maxResourcesPerStack = 0;
    let maxTemplateBytes = 0;
    let alarms = 0;
    for (const stack of assembly.stacks) {
      const text = readFileSync(join(outdir, stack.templateFile), 'utf8');
      const resources = Object.values((JSON.parse(text) as { Resources?: Record<string, { Type: string }> }).Resources ?? {});
      maxResourcesPerStack = Math.max(maxResourcesPerStack, resources.length);
      maxTemplateBytes = Math.max(maxTemplateBytes, Buffer.byteLength(text));
      alarms += resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm').length;
    }
    return { checks, regions: REGIONS.length, stacks: fleet.stacks.length, maxResourcesPerStack, maxTemplateBytes, alarms, synthSeconds: Math.round(synthSeconds * 100) / 100 };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
console.log(JSON.stringify((sizes.length > 0 ? sizes : SIZES).map(measure), null, 2));
