// A multi-step API journey: steps run in order, values extracted from one response
// feed later steps as `{{name}}`, and the first failing step fails the flow by name.
// Phases, bytes and duration are the sums over the steps that ran; status is the last one's.
import type { Extractor, FlowStep } from '../model/fleet.js';
import type { AssertionResult } from '../model/result.js';
import type { AttemptContext, AttemptOutcome } from './context.js';
import { addPhases, zeroPhases } from './context.js';
import { retryNote } from './failure.js';
import type { Received } from './http.js';
import { judge, performRequest } from './http.js';
import { lookupJsonPath } from './jsonPath.js';
import { isSecretHeader, isSecretName } from '../config/secretRules.js';
import { scanPlaceholders } from '../config/placeholders.js';

function extractOne(extractor: Extractor, response: Received): string | undefined {
  switch (extractor.from) {
    case 'json': {
      let document: unknown;
      try {
        document = JSON.parse(response.body.toString('utf8'));
      } catch {
        return undefined;
      }
      const found = lookupJsonPath(document, extractor.path);
      if (!found.found || found.value === undefined) return undefined;
      return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
    }
    case 'header': {
      const value = response.headers[extractor.name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    }
    case 'body': {
      const match = new RegExp(extractor.regex).exec(response.body.toString('utf8'));
      if (!match) return undefined;
      return match[extractor.group ?? (match.length > 1 ? 1 : 0)];
    }
  }
}

function describeExtractor(extractor: Extractor): string {
  switch (extractor.from) {
    case 'json':
      return `JSON path ${extractor.path}`;
    case 'header':
      return `header ${extractor.name}`;
    case 'body':
      return `body regex /${extractor.regex}/`;
  }
}

/**
 * Placeholders that the flow's steps place into a credential: a credential header
 * (Authorization, Proxy-Authorization, Cookie or a secret-named header), or a secret-named
 * query parameter, form field or JSON body field. A value extracted under a neutral name
 * (`sid`, `jwt`) and sent there is a credential too. (Environment and default headers go on
 * every step, the first included, so they cannot carry an extracted value.)
 */
function credentialPlaceholders(steps: readonly FlowStep[]): Set<string> {
  const names = new Set<string>();
  const collect = (text: unknown): void => {
    if (typeof text === 'string') for (const name of scanPlaceholders(text).names) names.add(name);
  };
  for (const step of steps) {
    for (const [name, value] of Object.entries(step.headers ?? {})) if (isSecretHeader(name)) collect(value);
  }
  const secretFields = (value: unknown, depth = 0): void => {
    if (depth > 64 || value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      if (isSecretName(key)) walkStrings(item, collect);
      else secretFields(item, depth + 1);
    }
  };
  for (const step of steps) {
    for (const [key, value] of Object.entries(step.query ?? {})) if (isSecretName(key)) collect(value);
    for (const [key, value] of new URLSearchParams(step.url.split('#')[0]?.split('?')[1] ?? '')) if (isSecretName(key)) collect(value);
    const body = step.body;
    if (body && 'form' in body) secretFields(body.form);
    if (body && 'json' in body) secretFields(body.json);
  }
  return names;
}

function walkStrings(value: unknown, visit: (text: string) => void, depth = 0): void {
  if (typeof value === 'string') visit(value);
  else if (depth <= 64 && value !== null && typeof value === 'object') for (const item of Object.values(value)) walkStrings(item, visit, depth + 1);
}

export async function runFlow(ctx: AttemptContext, steps: readonly FlowStep[]): Promise<AttemptOutcome> {
  const outcome: AttemptOutcome = {
    phases: zeroPhases(),
    durationMs: 0,
    status: null,
    bytes: 0,
    certDaysRemaining: null,
    assertions: [],
    failure: null,
  };
  const extracted = new Map<string, string>();
  const credentials = credentialPlaceholders(steps);
  for (const step of steps) {
    const run = await performRequest(ctx, step, extracted, step.name);
    outcome.phases = addPhases(outcome.phases, run.phases);
    outcome.durationMs = Math.round((outcome.durationMs + run.durationMs) * 1000) / 1000;
    outcome.bytes += run.bytes;
    outcome.status = run.status;
    if (run.certDaysRemaining !== null) {
      outcome.certDaysRemaining = outcome.certDaysRemaining === null ? run.certDaysRemaining : Math.min(outcome.certDaysRemaining, run.certDaysRemaining);
    }
    if (run.failure || !run.response) {
      outcome.failure = { ...(run.failure ?? { kind: 'internal', message: 'no response', retryable: false }), step: step.name };
      return outcome;
    }
    const target = `step '${step.name}' ${step.method ?? 'GET'} ${run.response.url.href}`;
    const verdict = judge(step.assertions, run.response, target, (text) => ctx.options.redactor.redact(text), step.method ?? 'GET');
    outcome.assertions.push(...verdict.results.map((r): AssertionResult => ({ ...r, description: `${step.name} › ${r.description}` })));
    if (verdict.failure) {
      outcome.failure = { ...verdict.failure, step: step.name };
      return outcome;
    }
    for (const [name, extractor] of Object.entries(step.extract ?? {})) {
      const value = extractOne(extractor, run.response);
      const description = `${step.name} › extract ${name}`;
      if (value === undefined) {
        outcome.assertions.push({ description, ok: false, expected: `a value at ${describeExtractor(extractor)}`, actual: 'missing' });
        outcome.failure = {
          kind: 'assertion',
          message: `${target}: extract ${name}: expected a value at ${describeExtractor(extractor)}, found none; ${retryNote('assertion')}`,
          retryable: false,
          step: step.name,
        };
        return outcome;
      }
      // A token the flow obtains is as sensitive as a secret for the rest of this check,
      // whether its name says so or the place it is sent to does. The check's redactor scope
      // forgets it when the check ends.
      if (isSecretName(name) || credentials.has(name)) ctx.options.redactor.addTransient(value);
      extracted.set(name, value);
    }
  }
  return outcome;
}
