// Issue 9's replay scenarios over the synthesized templates: who is told, and within how long.
// Each scenario is data (scenarios.ts); a failure lists what was expected and who was told.
import { describe, expect, it } from 'vitest';
import { demoFleet } from '../iam/fleets.js';
import { allScenarios, otherFleetScenarios, runScenario, type Scenario } from './scenarios.js';

const demo = await demoFleet();

function check(scenario: Scenario): void {
  const { problems, told } = runScenario(scenario);
  expect(problems, `told:\n${told}`).toEqual([]);
}

describe('replayed scenarios (three regions, every kind of schedule)', () => {
  it.each(allScenarios().map((s) => [s.name, s] as const))('%s', (_name, scenario) => check(scenario));
});

describe('replayed scenarios on the demo, two-environment and eleven-region fleets', () => {
  it.each(otherFleetScenarios(demo).map((s) => [s.name, s] as const))('%s', (_name, scenario) => check(scenario));
});
