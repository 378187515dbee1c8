// Lambda entry point for the probe. The bundle ships `fleet.json` next to this file.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProbeHandler } from '../lib/lambda/probeHandler.js';

export const handler = createProbeHandler({ fleetDir: dirname(fileURLToPath(import.meta.url)) });
