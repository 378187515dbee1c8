// `npm run bench:synth`: synthesizes generated fleets of 10, 100 and 1000 checks in 3
// regions in-process and prints one JSON array: stacks, the largest stack's resource
// count, the largest template's size, alarms and the synthesis time. Lambda bundles are
// skipped (`bundling: 'skip'`): esbuild's time does not grow with the fleet, the templates do.
// Other sizes: `node dist/bench/synthBench.js 250 500`.
import { measureSynthesis } from '../lib/infra/index.js';
import { generatedFleet } from './generatedFleet.js';

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
const SIZES = [10, 100, 1000];

const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const rows = (sizes.length > 0 ? sizes : SIZES).map((checks) => measureSynthesis(generatedFleet(checks, REGIONS)));
console.log(JSON.stringify(rows, null, 2));
