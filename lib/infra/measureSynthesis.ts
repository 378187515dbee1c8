// Synthesizes a fleet in-process and measures the result: how many stacks, the largest
// stack's resource count and template size, the number of alarms, the time it took.
// Used by `npm run bench:synth`; kept here so only lib/infra loads aws-cdk-lib.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Fleet } from '../model/fleet.js';
import { INTERNAL_SKIP_BUNDLING, type BundlingMode } from './lambdaCode.js';
import { ProbeFleet } from './probeFleet.js';

export interface SynthesisMeasurement {
  checks: number;
  regions: number;
  stacks: number;
  maxResourcesPerStack: number;
  maxTemplateBytes: number;
  alarms: number;
  synthSeconds: number;
}

export function measureSynthesis(fleet: Fleet, options: { bundling?: BundlingMode } = {}): SynthesisMeasurement {
  const outdir = mkdtempSync(join(tmpdir(), 'probe-fleet-synth-'));
  try {
    const started = performance.now();
    // The CDK's built-in CloudFormation validation is left to `cdk synth`: it costs more
    // than the synthesis itself and does not change the templates.
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    // Measuring templates, not esbuild: the internal entry point to skipped bundling.
    const bundling = options.bundling ?? 'skip';
    const probeFleet = new ProbeFleet(app, 'Fleet', bundling === 'skip' ? { fleet, [INTERNAL_SKIP_BUNDLING]: true } : { fleet, bundling });
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
    return {
      checks: fleet.checks.length,
      regions: fleet.regions.length,
      stacks: probeFleet.stacks.length,
      maxResourcesPerStack,
      maxTemplateBytes,
      alarms,
      synthSeconds: Math.round(synthSeconds * 100) / 100,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
