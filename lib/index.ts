// Public API of probe-fleet for configuration files and programs. Runtime code only:
// the CDK constructs live in `probe-fleet/infra` so that nothing here loads aws-cdk-lib.
export * from './model/fleet.js';
export * from './model/result.js';
export { defineFleet, secret, isSecretRef } from './model/defineFleet.js';
