// Stable placement: adding or removing a check must not move any other named resource
// (alarm, composite, dashboard, function) into another stack, or the deploy fails with
// "already exists" or the old stack's update deletes what the new one just created.
import { describe, expect, it } from 'vitest';
import { generatedFleet } from '../../bench/generatedFleet.js';
import { bucketParent, MAX_WIDGETS_PER_DASHBOARD, paginateSections, placeByHash } from '../../lib/infra/plan.js';
import type { Check, Fleet } from '../../lib/model/fleet.js';
import { httpCheck, smallFleet, synth, type Synthesized } from './synth.js';

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Every named resource of the fleet → the stack it is in. */
function placementOf(s: Synthesized): Map<string, string> {
  const where = new Map<string, string>();
  const nameOf: Record<string, string> = {
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::CloudWatch::CompositeAlarm': 'AlarmName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::Lambda::Function': 'FunctionName',
  };
  for (const [stackName, template] of s.templates()) {
    for (const r of Object.values((template.toJSON() as { Resources: Record<string, Resource> }).Resources)) {
      const property = nameOf[r.Type];
      if (!property) continue;
      const name = `${r.Type} ${String(r.Properties?.[property])}`;
      expect(where.has(name), `${name} twice`).toBe(false);
      where.set(name, stackName);
    }
  }
  return where;
}

/** Widgets of a dashboard body, whether a plain string or an Fn::Join around tokens. */
function widgetCount(body: unknown): number {
  const text = typeof body === 'string' ? body : (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return (JSON.parse(text) as { widgets: unknown[] }).widgets.length;
}

describe('stable stack placement', () => {
  it('keeps every alarm, composite, dashboard and function in the same stack when one check is inserted first and another removed', { timeout: 120_000 }, () => {
    const regions = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
    const before: Fleet = generatedFleet(400, regions);
    const inserted: Check = { ...before.checks[0]!, id: 'inserted-first', name: 'Inserted first', service: 'service-new', schedule: '1m' };
    const after: Fleet = { ...before, checks: [inserted, ...before.checks.filter((c) => c.id !== 'check-200')] };
    // Small shards so that each region's probe functions span several stacks too.
    const props = { maxChecksPerShard: 3 };
    const a = synth(before, props);
    const b = synth(after, props);
    expect(a.fleet.alarmStacks.length).toBeGreaterThan(4);
    expect(a.fleet.probeStacks.length).toBeGreaterThan(regions.length);

    const was = placementOf(a);
    const now = placementOf(b);
    let shared = 0;
    const moved: string[] = [];
    for (const [name, stack] of now) {
      const previous = was.get(name);
      if (previous === undefined) continue;
      shared++;
      if (previous !== stack) moved.push(`${name}: ${previous} → ${stack}`);
    }
    expect(moved).toEqual([]);
    expect(shared).toBeGreaterThan(1500);
    // The comparison covered what changed: the removed check's alarms are gone, the new one's there.
    expect([...was.keys()].some((n) => n.includes('/availability/check-200'))).toBe(true);
    expect([...now.keys()].some((n) => n.includes('/availability/inserted-first'))).toBe(true);
    expect([...now.keys()].some((n) => n.includes('/availability/check-200'))).toBe(false);
  });

  it('on the next size class, moves items only from bucket i to bucket i + count, whose stack deploys after i', () => {
    const items = Array.from({ length: 300 }, (_, i) => `check-${i}`);
    const small = placeByHash(items, (k) => k, () => [1], [100]);
    const large = placeByHash([...items, ...Array.from({ length: 200 }, (_, i) => `more-${i}`)], (k) => k, () => [1], [100]);
    expect(small.bucketCount).toBe(8);
    expect(large.bucketCount).toBe(16);
    const indexIn = (p: typeof small, key: string) => p.buckets.find((b) => b.items.includes(key))?.index;
    for (const key of items) {
      const from = indexIn(small, key)!;
      expect([from, from + small.bucketCount], key).toContain(indexIn(large, key));
      expect(bucketParent(from + small.bucketCount)).toBe(from);
    }
  });

  it.each([
    { index: 0, parent: undefined },
    { index: 1, parent: 0 },
    { index: 5, parent: 1 },
    { index: 6, parent: 2 },
    { index: 12, parent: 4 },
  ])('bucket $index deploys after bucket $parent', ({ index, parent }) => {
    expect(bucketParent(index)).toBe(parent);
  });

  it('makes each alarm stack depend on its parent bucket stack', () => {
    const s = synth(generatedFleet(200, ['eu-west-1', 'us-east-1', 'ap-southeast-1']));
    const byIndex = new Map(s.fleet.alarmStacks.map((st) => [Number(/-alarms-(\d+)$/.exec(st.stackName)?.[1]) - 1, st]));
    expect(byIndex.size).toBeGreaterThan(2);
    for (const [index, stack] of byIndex) {
      let parent = bucketParent(index);
      while (parent !== undefined && !byIndex.has(parent)) parent = bucketParent(parent);
      if (parent === undefined) continue;
      expect(stack.dependencies.map((d) => d.stackName), stack.stackName).toContain(byIndex.get(parent)!.stackName);
    }
  });

  it('keeps every bucket within its caps for the 1000-check fleet shape', () => {
    const loads = Array.from({ length: 4000 }, (_, i) => ({ key: `check-${i}`, load: [1 + (i % 4), 3 * (1 + (i % 4))] }));
    const placed = placeByHash(loads, (x) => x.key, (x) => x.load, [150, 450]);
    for (const bucket of placed.buckets) {
      expect(bucket.items.reduce((n, x) => n + x.load[0]!, 0)).toBeLessThanOrEqual(150);
      expect(bucket.items.reduce((n, x) => n + x.load[1]!, 0)).toBeLessThanOrEqual(450);
    }
  });
});

describe('overview pages', () => {
  it.each([
    { name: 'everything on one page', sections: [2, 2, 2], first: 4, expected: [[[0, 0, 2], [1, 0, 2], [2, 0, 2]]] },
    { name: 'a section moves whole to the next page', sections: [3, 3], first: 4, limit: 10, expected: [[[0, 0, 3]], [[1, 0, 3]]] },
    { name: 'a section larger than a page is cut under repeated headings', sections: [15], first: 4, limit: 10, expected: [[[0, 0, 5]], [[0, 5, 8]], [[0, 13, 2]]] },
    { name: 'no heading left alone at the end of a page', sections: [1, 1], first: 7, limit: 10, expected: [[[0, 0, 1]], [[1, 0, 1]]] },
  ])('$name', ({ sections, first, limit, expected }) => {
    const pages = paginateSections(sections, first, 1, limit ?? MAX_WIDGETS_PER_DASHBOARD);
    expect(pages).toEqual(expected);
    pages.forEach((slices, i) => {
      const widgets = (i === 0 ? first : 1) + slices.reduce((n, [, , count]) => n + 1 + count, 0);
      expect(widgets).toBeLessThanOrEqual(limit ?? MAX_WIDGETS_PER_DASHBOARD);
    });
  });

  it('splits the overview of 350 services into pages of at most 500 widgets, each service on one', () => {
    const checks = Array.from({ length: 350 }, (_, i) => httpCheck(`c${i}`, { service: `svc-${i}`, url: 'http://plain.example.com/' }));
    const s = synth({ ...smallFleet(), regions: ['eu-west-1'], checks });
    const dashboards: { stack: string; name: string; widgets: number; body: string }[] = [];
    for (const [stack, template] of s.templates()) {
      for (const r of Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardName: string; DashboardBody: unknown } }[]) {
        dashboards.push({ stack, name: r.Properties.DashboardName, widgets: widgetCount(r.Properties.DashboardBody), body: JSON.stringify(r.Properties.DashboardBody) });
      }
    }
    for (const d of dashboards) expect(d.widgets, d.name).toBeLessThanOrEqual(MAX_WIDGETS_PER_DASHBOARD);
    const overview = dashboards.filter((d) => d.stack === 'probe-fleet-shop-services');
    expect(overview.map((d) => d.name)).toEqual(['probe-fleet-shop', 'probe-fleet-shop-overview-2']);
    expect(s.fleet.overviewDashboards).toHaveLength(2);
    // 4 header widgets + 4 status widgets of all services and the heartbeat + the per-check
    // section (a heading and 2 graphs: no TLS endpoint here), then 2 per service.
    expect(overview[0]!.widgets).toBe(11 + 2 * 244);
    expect(overview[1]!.widgets).toBe(1 + 2 * 106);
    expect(overview[0]!.body).toContain('probe-fleet-shop-overview-2');
    for (let i = 0; i < 350; i++) {
      const pages = overview.filter((d) => d.body.includes(`svc-${i}: availability`));
      expect(pages, `svc-${i}`).toHaveLength(1);
    }
  });

  it('keeps a single overview page, named as before, for a small fleet', () => {
    const s = synth(smallFleet());
    expect(s.fleet.overviewDashboards.map((d) => d.node.id)).toEqual(['Dashboard']);
  });
});
