// The replay must be able to fail: the scenarios run against the fleet's real templates with
// one deliberate regression each, and must report it. Each mutation is the shape issue 9 found
// in the templates before the fix.
import { describe, expect, it } from 'vitest';
import { replayFleet } from './fleets.js';
import { stackTemplates } from './harness.js';
import { allScenarios, runScenario } from './scenarios.js';
import { readTemplates, type StackTemplate } from './templateAlarms.js';

type Resource = { Type: string; Properties?: Record<string, unknown> };

function mutate(stacks: StackTemplate[], change: (resource: Resource) => void): StackTemplate[] {
  const copy = structuredClone(stacks);
  for (const s of copy) for (const r of Object.values(s.template.Resources ?? {})) change(r);
  return copy;
}

const name = (r: Resource): string => (typeof r.Properties?.AlarmName === 'string' ? r.Properties.AlarmName : '');

/** Availability as before the fix: a silent region counts as failing, silence everywhere is breaching. */
function legacyAvailability(r: Resource): void {
  if (r.Type !== 'AWS::CloudWatch::Alarm' || !name(r).includes('/availability/')) return;
  const metrics = r.Properties!.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];
  const ids = metrics.filter((m) => m.MetricStat !== undefined).map((m) => m.Id);
  const expression = metrics.find((m) => m.Expression !== undefined)!;
  expression.Expression = `${ids.length} - (${ids.map((id) => `FILL(${id}, 0)`).join(' + ')})`;
  r.Properties!.Threshold = Math.min(2, ids.length);
  r.Properties!.TreatMissingData = 'breaching';
}

/** Fleet-health notices sent to chat, as before the operator route existed. */
function healthToChat(r: Resource): void {
  if (r.Type !== 'AWS::CloudWatch::Alarm' || !name(r).includes('/heartbeat/')) return;
  for (const key of ['AlarmActions', 'InsufficientDataActions']) {
    if (r.Properties![key] !== undefined) r.Properties![key] = ['arn:aws:sns:eu-west-1:111111111111:probe-fleet-shop-chat'];
  }
}

const fleet = replayFleet();
const real = stackTemplates(fleet);
const scenario = (title: string) => {
  const s = allScenarios().find((x) => x.name.startsWith(title));
  if (!s) throw new Error(`no scenario "${title}"`);
  return s;
};

describe('negative controls: a regression in the templates fails the scenario that guards it', () => {
  it.each([
    { mutation: 'availability fills a silent region as failing', change: legacyAvailability, title: 'one region silent and another failing', want: /expected no page, received 1: probe-fleet\/shop\/service\/checkout/ },
    { mutation: 'availability treats missing data as breaching', change: legacyAvailability, title: 'the first deploy', want: /expected no page, received \d+/ },
    { mutation: 'availability fills a silent region as failing', change: legacyAvailability, title: 'all probes silent', want: /expected no page/ },
    { mutation: 'fleet health goes to chat', change: healthToChat, title: 'a 1-minute shard silent', want: /expected fleet operator to be told by eu-west-1-1m-0 within 15 min, received nothing there; told instead: chat/ },
    // Before the contract the datum carried the handler's clock: a run that slipped past the
    // minute left its own minute empty, which the old math counted as failing everywhere.
    { mutation: 'availability fills silence as failing, datums carry the handler clock', change: legacyAvailability, title: 'a run whose start slips', script: { clock: 'handler' as const }, want: /expected no page, received \d+: probe-fleet\/shop\/service\/checkout/ },
    // Before the contract a failed secret lookup was a failed check (Success=0) in every region.
    { mutation: 'a secret outage published as failed checks', change: () => undefined, title: 'a failing secret lookup', script: { secretFailure: 'failed-check' as const }, want: /expected no page, received 1: probe-fleet\/shop\/service\/catalog/ },
  ])('$mutation → "$title" fails', ({ change, title, want, script }) => {
    const base = scenario(title);
    const s = script ? { ...base, script: { ...base.script, ...script } } : base;
    expect(runScenario(base).problems, 'the real templates keep the scenario').toEqual([]);
    const { problems } = runScenario(s, readTemplates(mutate(real, change)));
    expect(problems.join('\n')).toMatch(want);
  });
});
