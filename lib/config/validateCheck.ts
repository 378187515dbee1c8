// One check: the fields every kind shares, then its kind's own fields.
import { isIP } from 'node:net';
import { DEFAULT_TIMEOUT_MS } from './resolve.js';
import { caPemProblem } from './caPem.js';
import { at, describeReceived, isRecord } from './collector.js';
import type { Collector } from './collector.js';
import type { ForbiddenPathRule } from './forbiddenPaths.js';
import { SCHEDULE_FORMAT, scheduleProblem } from './schedule.js';
import { validateAlarmPolicy } from './validateAlerting.js';
import { BROWSER_KEYS, validateBrowserCheck } from './validateBrowser.js';
import type { PolicyValues } from './validateAlerting.js';
import { validateExtractor } from './validateAssertion.js';
import { REQUEST_KEYS, httpUrlProblem, shownUrl, validateRequest } from './validateRequest.js';
import type { RequestScope, TargetEnvironment } from './validateRequest.js';
import { validateSecretRef, looksLikeSecretRef } from './validateValues.js';

export const CHECK_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;
const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const PORT = { integer: true, min: 1, max: 65535 };

const COMMON_KEYS = [
  'kind', 'id', 'name', 'service', 'owner', 'runbook', 'rollbackNote', 'expect', 'severity', 'tags', 'schedule',
  'regions', 'environments', 'retries', 'timeoutMs', 'degradedMs', 'maxMs', 'detailedTimings', 'caCertificates', 'alarm',
] as const;
const KIND_KEYS: Readonly<Record<string, readonly string[]>> = {
  http: REQUEST_KEYS,
  flow: ['steps'],
  tls: ['host', 'port', 'minDaysRemaining', 'minProtocol'],
  dns: ['hostname', 'recordType', 'resolver', 'answersInclude', 'expectNxdomain'],
  tcp: ['host', 'port', 'send', 'reply'],
  browser: BROWSER_KEYS,
};
const KINDS = Object.keys(KIND_KEYS);

export interface FleetFacts {
  /** The fleet's regions, or null when they are themselves invalid (then nothing is checked against them). */
  regions: ReadonlySet<string> | null;
  environments: ReadonlyMap<string, TargetEnvironment>;
  forbidden: readonly ForbiddenPathRule[];
  policy: PolicyValues;
  defaults: { timeoutMs?: number; degradedMs?: number; maxMs?: number };
}

export function validateSchedule(c: Collector, path: string, value: unknown): void {
  const text = c.string(path, value, false, SCHEDULE_FORMAT);
  if (text === undefined) return;
  // The format is stated once: scheduleProblem's sentence already says what was expected.
  const problem = scheduleProblem(text);
  if (problem) c.diagnostics.push({ path, ...problem });
}

export function validateRetryPolicy(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const retries = c.object(path, value, ['count', 'backoffMs', 'onlyOn'], "{ count, backoffMs, onlyOn: 'network' | 'any' }");
  if (!retries) return;
  c.number(at(path, 'count'), retries.count, false, { integer: true, min: 0, max: 10 });
  c.number(at(path, 'backoffMs'), retries.backoffMs, false, { integer: true, min: 0, max: 60_000 });
  c.oneOf(at(path, 'onlyOn'), retries.onlyOn, false, ['network', 'any'] as const);
}

export function validateCaCertificates(c: Collector, path: string, value: unknown): void {
  const list = c.array(path, value, false, "an array of { file }, { pem } or secret('name')");
  list?.forEach((item, i) => {
    const itemPath = at(path, i);
    if (looksLikeSecretRef(item)) {
      validateSecretRef(c, itemPath, item, true);
      return;
    }
    const expected = "{ file: 'ca.pem' }, { pem: '-----BEGIN CERTIFICATE-----…' } or secret('name')";
    const source = isRecord(item) && 'pem' in item ? c.object(itemPath, item, ['pem'], expected) : c.object(itemPath, item, ['file'], expected);
    if (!source) return;
    if ('pem' in source) {
      const pem = c.string(at(itemPath, 'pem'), source.pem, true, 'PEM text with one or more CERTIFICATE blocks');
      const problem = pem === undefined ? undefined : caPemProblem(pem);
      // Never echo the text: the likely mistake is pasting a private key.
      if (problem) c.report(at(itemPath, 'pem'), 'PEM text with one or more CERTIFICATE blocks and nothing else', problem);
    } else {
      c.string(at(itemPath, 'file'), source.file, true, 'a path to a PEM file');
    }
  });
}

export function validateHost(c: Collector, path: string, value: unknown, required: boolean): string | undefined {
  const host = c.string(path, value, required, 'a host name or IP address');
  if (host === undefined) return undefined;
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    c.report(path, 'a host name or IP address (no scheme, port or path)', describeReceived(host));
    return undefined;
  }
  return host;
}

const RESOLVER_EXPECTED = 'the IP address of a DNS resolver: IP, IPv4:port, or [IPv6]:port';

function validateResolver(c: Collector, path: string, value: unknown): void {
  const resolver = c.string(path, value, false, RESOLVER_EXPECTED);
  if (resolver === undefined) return;
  // node:dns setServers takes addresses only: a host name would fail every run of the check.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(resolver);
  const plain = bracketed ? null : /^([^:]+)(?::(\d+))?$/.exec(resolver);
  const host = bracketed?.[1] ?? plain?.[1] ?? resolver;
  const portText = bracketed?.[2] ?? plain?.[2];
  const port = portText === undefined ? 53 : Number(portText);
  const version = isIP(host);
  if (version === 0 && (bracketed !== null || plain !== null) && HOSTNAME.test(host)) {
    c.report(path, RESOLVER_EXPECTED, describeReceived(resolver), 'a resolver is queried by address, not by host name');
  } else if (version === 0 || (bracketed !== null && version !== 6) || port < 1 || port > 65535) {
    c.report(path, RESOLVER_EXPECTED, describeReceived(resolver));
  }
}

function foreignKey(kind: string | undefined): (key: string) => string | undefined {
  return (key) => {
    if (kind === 'flow' && (REQUEST_KEYS as readonly string[]).includes(key)) return `key "${key}" belongs on each step of a flow (steps[].${key})`;
    const owner = KINDS.find((k) => k !== kind && KIND_KEYS[k]?.includes(key));
    if (owner === undefined) return undefined;
    return kind === undefined ? `key "${key}" belongs to ${owner} checks` : `key "${key}" belongs to ${owner} checks, not ${kind} checks`;
  };
}

function validateFlowSteps(c: Collector, path: string, value: unknown, scope: Omit<RequestScope, 'extracted' | 'laterExtracted'>): void {
  const steps = c.array(path, value, true, 'a non-empty array of steps', true);
  if (!steps) return;
  // What each step extracts, known before walking them so forward references can be named.
  const extracts = steps.map((step) => (isRecord(step) && isRecord(step.extract) ? Object.keys(step.extract) : []));
  const names = new Map<string, number>();
  steps.forEach((step, i) => {
    const stepPath = at(path, i);
    const record = c.object(stepPath, step, [...REQUEST_KEYS, 'name', 'extract'], 'a step object { name, url, … }');
    if (!record) return;
    const name = c.string(at(stepPath, 'name'), record.name, true, 'a step name');
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) c.report(at(stepPath, 'name'), `a step name not used before (steps[${first}] has it)`, describeReceived(name), 'duplicate step name');
      else names.set(name, i);
    }
    if (record.extract !== undefined) {
      const extractPath = at(stepPath, 'extract');
      if (!isRecord(record.extract)) {
        c.report(extractPath, 'an object of name → extractor', describeReceived(record.extract));
      } else {
        for (const [variable, extractor] of Object.entries(record.extract)) {
          if (!/^[A-Za-z0-9_.-]+$/.test(variable)) c.report(at(extractPath, variable), 'a name of letters, digits and _.- (usable as {{name}})', JSON.stringify(variable));
          validateExtractor(c, at(extractPath, variable), extractor);
        }
      }
    }
    validateRequest(c, stepPath, record, {
      ...scope,
      extracted: new Set(extracts.slice(0, i).flat()),
      laterExtracted: new Set(extracts.slice(i).flat()),
    });
  });
}

/** Validates one check; `seenIds` maps ids to the path of the check that first used them. */
export function validateCheck(c: Collector, path: string, value: unknown, facts: FleetFacts, seenIds: Map<string, string>): void {
  if (!isRecord(value)) {
    c.report(path, `a check object with a kind (${KINDS.join(', ')})`, describeReceived(value));
    return;
  }
  const kind = c.oneOf(at(path, 'kind'), value.kind, true, KINDS);
  const allowed = kind === undefined ? [...COMMON_KEYS, ...Object.values(KIND_KEYS).flat()] : [...COMMON_KEYS, ...(KIND_KEYS[kind] ?? [])];
  const check = c.object(path, value, allowed, 'a check object', foreignKey(kind));
  if (!check) return;

  const id = c.matching(at(path, 'id'), check.id, true, CHECK_ID, 'an id of lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters');
  if (id !== undefined) {
    const first = seenIds.get(id);
    if (first !== undefined) c.report(at(path, 'id'), `an id no other check uses (${first} has it)`, describeReceived(id), 'duplicate id');
    else seenIds.set(id, path);
  }
  for (const key of ['name', 'service', 'owner', 'rollbackNote', 'expect'] as const) c.string(at(path, key), check[key], true);
  const runbook = c.string(at(path, 'runbook'), check.runbook, true, 'an http(s) URL of the runbook');
  if (runbook !== undefined) {
    const problem = httpUrlProblem(runbook);
    if (problem) c.report(at(path, 'runbook'), problem.expected, shownUrl(problem, runbook));
  }
  c.oneOf(at(path, 'severity'), check.severity, true, ['critical', 'warning', 'info'] as const);
  c.array(at(path, 'tags'), check.tags, false, 'an array of tags')?.forEach((tag, i) => c.string(at(at(path, 'tags'), i), tag, true, 'a non-empty tag'));
  validateSchedule(c, at(path, 'schedule'), check.schedule);

  const regions = c.array(at(path, 'regions'), check.regions, false, 'a non-empty array of regions', true);
  const checkRegions = new Set<string>();
  regions?.forEach((region, i) => {
    const regionPath = at(at(path, 'regions'), i);
    const name = c.matching(regionPath, region, true, REGION, 'an AWS region like eu-west-1');
    if (name === undefined) return;
    if (checkRegions.has(name)) c.report(regionPath, 'each region once', describeReceived(name), 'duplicate region');
    else if (facts.regions !== null && !facts.regions.has(name)) c.report(regionPath, `one of the fleet's regions (${[...facts.regions].join(', ')})`, describeReceived(name));
    checkRegions.add(name);
  });

  const targets: TargetEnvironment[] = [];
  const environments = c.array(at(path, 'environments'), check.environments, false, 'a non-empty array of environment names', true);
  if (environments) {
    environments.forEach((environment, i) => {
      const environmentPath = at(at(path, 'environments'), i);
      const name = c.string(environmentPath, environment, true, 'an environment name');
      if (name === undefined) return;
      const target = facts.environments.get(name);
      if (target === undefined) c.report(environmentPath, `one of the fleet's environments (${[...facts.environments.keys()].join(', ') || 'none'})`, describeReceived(name));
      else if (targets.includes(target)) c.report(environmentPath, 'each environment once', describeReceived(name), 'duplicate environment');
      else targets.push(target);
    });
  } else {
    targets.push(...facts.environments.values());
  }

  if (typeof check.retries === 'number' || check.retries === undefined) c.number(at(path, 'retries'), check.retries, false, { integer: true, min: 0, max: 10 });
  else validateRetryPolicy(c, at(path, 'retries'), check.retries);
  const timeoutMs = c.number(at(path, 'timeoutMs'), check.timeoutMs, false, { integer: true, min: 1, max: 900_000 }) ?? facts.defaults.timeoutMs;
  const degradedMs = c.number(at(path, 'degradedMs'), check.degradedMs, false, { integer: true, min: 1 });
  const maxMs = c.number(at(path, 'maxMs'), check.maxMs, false, { integer: true, min: 1 });
  const effectiveDegraded = degradedMs ?? facts.defaults.degradedMs;
  const effectiveMax = maxMs ?? facts.defaults.maxMs;
  if ((degradedMs !== undefined || maxMs !== undefined) && effectiveDegraded !== undefined && effectiveMax !== undefined && effectiveDegraded > effectiveMax) {
    c.report(at(path, degradedMs !== undefined ? 'degradedMs' : 'maxMs'), `degradedMs at most maxMs (${effectiveMax})`, `degradedMs ${effectiveDegraded}`);
  }
  const effectiveTimeout = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if ((maxMs !== undefined || check.timeoutMs !== undefined) && effectiveMax !== undefined && effectiveMax > effectiveTimeout) {
    c.report(at(path, maxMs !== undefined ? 'maxMs' : 'timeoutMs'), `maxMs at most timeoutMs (${effectiveTimeout})`, `maxMs ${effectiveMax}`, 'a latency threshold above the timeout can never be crossed');
  }
  c.boolean(at(path, 'detailedTimings'), check.detailedTimings);
  validateCaCertificates(c, at(path, 'caCertificates'), check.caCertificates);
  const regionCount = regions === undefined ? facts.regions?.size : checkRegions.size;
  validateAlarmPolicy(c, at(path, 'alarm'), check.alarm, regionCount, facts.policy);

  const scope = { environments: targets, forbidden: facts.forbidden };
  switch (kind) {
    case 'http':
      validateRequest(c, path, check, { ...scope, extracted: new Set(), laterExtracted: new Set() });
      break;
    case 'flow':
      validateFlowSteps(c, at(path, 'steps'), check.steps, scope);
      break;
    case 'tls': {
      const host = validateHost(c, at(path, 'host'), check.host, false);
      c.number(at(path, 'port'), check.port, false, PORT);
      c.number(at(path, 'minDaysRemaining'), check.minDaysRemaining, false, { integer: true, min: 0, max: 3650 });
      c.oneOf(at(path, 'minProtocol'), check.minProtocol, false, ['TLSv1.2', 'TLSv1.3'] as const);
      if (check.host === undefined && host === undefined) {
        const plain = targets.filter((t) => t.baseUrl !== undefined && !t.baseUrl.startsWith('https:')).map((t) => t.name);
        if (plain.length > 0) c.report(at(path, 'host'), `a host, or environments whose baseUrl is https:// (not ${plain.join(', ')})`, 'nothing', 'a tls check needs a TLS endpoint');
      }
      break;
    }
    case 'dns': {
      validateHost(c, at(path, 'hostname'), check.hostname, true);
      c.oneOf(at(path, 'recordType'), check.recordType, true, ['A', 'AAAA', 'CNAME', 'TXT', 'MX'] as const);
      validateResolver(c, at(path, 'resolver'), check.resolver);
      const answers = c.array(at(path, 'answersInclude'), check.answersInclude, false, 'an array of expected answers');
      answers?.forEach((answer, i) => c.string(at(at(path, 'answersInclude'), i), answer, true, 'an expected answer'));
      const nxdomain = c.boolean(at(path, 'expectNxdomain'), check.expectNxdomain);
      if (nxdomain === true && answers !== undefined && answers.length > 0) {
        c.report(at(path, 'expectNxdomain'), 'either expectNxdomain or answersInclude', 'both', 'a name cannot both not exist and have answers');
      }
      break;
    }
    case 'tcp': {
      validateHost(c, at(path, 'host'), check.host, false);
      c.number(at(path, 'port'), check.port, true, PORT);
      if (check.send !== undefined && typeof check.send !== 'string') c.report(at(path, 'send'), 'a string (sent as UTF-8)', describeReceived(check.send));
      if (check.reply !== undefined) {
        const replyPath = at(path, 'reply');
        const reply = c.object(replyPath, check.reply, ['contains', 'matches'], '{ contains?, matches? }');
        if (reply) {
          if (reply.contains !== undefined && typeof reply.contains !== 'string') c.report(at(replyPath, 'contains'), 'a string', describeReceived(reply.contains));
          c.regex(at(replyPath, 'matches'), reply.matches, false);
          if (reply.contains === undefined && reply.matches === undefined) c.report(replyPath, 'contains, matches or both', 'neither');
        }
      }
      break;
    }
    case 'browser':
      validateBrowserCheck(c, path, check, scope);
      break;
    default:
      break;
  }
}
