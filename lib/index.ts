// Public API of probe-fleet for configuration files and programs. Runtime code only:
// the CDK constructs live in `probe-fleet/infra` so that nothing here loads aws-cdk-lib.
export * from './model/fleet.js';
export * from './model/result.js';
export { defineFleet, secret, isSecretRef } from './model/defineFleet.js';
export { browserScript } from './runner/browserScript.js';
export type { BrowserExpect, BrowserScript, BrowserScriptContext, BrowserValues } from './runner/browserScript.js';
export type { Diagnostic } from './config/errors.js';
export { ConfigError, formatDiagnostics } from './config/errors.js';
export { validateFleet } from './config/validate.js';
export { parseSchedule, nextRunAfter } from './config/schedule.js';
