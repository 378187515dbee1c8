#!/usr/bin/env node
// The CDK app (cdk.json: `node dist/bin/app.js`). Choose the fleet definition with
// `-c probe-fleet:config=FILE` (default probes.config.ts in the current directory).
import { runCdkApp } from '../lib/infra/cdkApp.js';

process.exitCode = await runCdkApp();
