// The CDK app behind `cdk synth` / `cdk deploy`: load and validate the fleet definition
// (all problems at once, before anything is synthesized), build the stacks, run cdk-nag.
// bin/app.ts only calls this and exits with its code.
import { App } from 'aws-cdk-lib';
import { isConfigError } from '../config/errors.js';
import { loadFleet, resolveConfigPath } from '../config/loadFleet.js';
import { applyNagPacks } from './nag.js';
import { ProbeFleet } from './probeFleet.js';

/** CDK context key naming the fleet definition file: `cdk deploy -c probe-fleet:config=fleets/eu.ts`. */
export const CONFIG_CONTEXT_KEY = 'probe-fleet:config';

export interface CdkAppOptions {
  app?: App;
  cwd?: string;
  stderr?: (text: string) => void;
}

/**
 * 0 when the app was synthesized; 2 when the fleet definition is invalid, including every limit
 * the deploy would hit (nothing synthesized): the CLI's exit code for a config error.
 */
export async function runCdkApp(options: CdkAppOptions = {}): Promise<number> {
  const app = options.app ?? new App();
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const flag: unknown = app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  const file = resolveConfigPath(options.cwd ?? process.cwd(), typeof flag === 'string' ? flag : undefined);
  let fleet;
  try {
    fleet = await loadFleet(file);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    stderr(`${error.message}\n`);
    return 2;
  }
  try {
    new ProbeFleet(app, 'ProbeFleet', { fleet });
  } catch (error) {
    // The deploy-time limits (evaluation windows, alarm names) are config errors too.
    if (!isConfigError(error)) throw error;
    app.node.tryRemoveChild('ProbeFleet');
    stderr(`${file}\n${error.message}\n`);
    return 2;
  }
  applyNagPacks(app);
  app.synth();
  return 0;
}
