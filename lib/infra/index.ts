// probe-fleet's CDK constructs (`probe-fleet/infra`). The only place, with bin/app.ts,
// that loads aws-cdk-lib: runtime code never does.
export { ProbeFleet, type ProbeFleetProps, DEFAULT_MAX_ALARMS_PER_STACK, MAX_SHARDS_PER_PROBE_STACK } from './probeFleet.js';
export { ProbeStack, type ProbeStackProps } from './probeStack.js';
export { applyNagPacks } from './nag.js';
export { runCdkApp, CONFIG_CONTEXT_KEY } from './cdkApp.js';
export type { BundlingMode } from './lambdaCode.js';
export { planTargets, type TargetPlan, MAX_RESOURCES_PER_STACK } from './plan.js';
export { measureSynthesis, type SynthesisMeasurement } from './measureSynthesis.js';
