// Validation of a whole fleet definition. Pure: it reads the value it is given and returns
// every problem at once, each with its exact path, so a user fixes them all in one pass.
import type { Fleet } from '../model/fleet.js';
import { at, describeReceived, isRecord } from './collector.js';
import { Collector } from './collector.js';
import type { Diagnostic } from './errors.js';
import type { ForbiddenPathRule } from './forbiddenPaths.js';
import { parseForbiddenPath } from './forbiddenPaths.js';
import { DEFAULT_TIMEOUT_MS } from './resolve.js';
import { deployLimitDiagnostics, validateAlerting } from './validateAlerting.js';
import { validateJsonPath } from './validateAssertion.js';
import { REGION, validateCaCertificates, validateCheck, validateRetryPolicy, validateSchedule } from './validateCheck.js';
import type { FleetFacts } from './validateCheck.js';
import type { TargetEnvironment } from './validateRequest.js';
import { baseUrlProblem } from './validateRequest.js';
import { validateHeaders, validateVariables } from './validateValues.js';
import { validateReleaseConfig } from '../release/validateRelease.js';
import { trafficDiagnostics } from './validateTraffic.js';
import { validateMaintenance } from './maintenance.js';

export type { Diagnostic } from './errors.js';
export type ValidationResult = { ok: true; fleet: Fleet } | { ok: false; diagnostics: Diagnostic[] };

const FLEET_KEYS = ['name', 'homeRegion', 'regions', 'namespace', 'defaults', 'environments', 'forbiddenPaths', 'versions', 'alerting', 'checks', 'release', 'maintenance'] as const;
const DEFAULTS_KEYS = ['timeoutMs', 'retries', 'schedule', 'rateLimit', 'headers', 'degradedMs', 'maxMs', 'maxBodyBytes', 'concurrency', 'userAgent'] as const;
// A header value: visible ASCII and spaces, no control characters (RFC 9110 §5.5).
const USER_AGENT = /^[\x21-\x7e][\x20-\x7e]{0,255}$/;
const ENVIRONMENT_KEYS = ['baseUrl', 'sandbox', 'variables', 'rateLimit', 'headers', 'caCertificates', 'pages'] as const;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
// CloudWatch namespaces: printable ASCII without spaces; `AWS/` is reserved for AWS services.
const NAMESPACE = /^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/;

function validateRateLimit(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  const limit = c.object(path, value, ['requestsPerSecond', 'burst'], '{ requestsPerSecond, burst }');
  if (!limit) return;
  c.number(at(path, 'requestsPerSecond'), limit.requestsPerSecond, true, { above: 0, max: 10_000 });
  c.number(at(path, 'burst'), limit.burst, true, { integer: true, min: 1, max: 10_000 });
}

function validateDefaults(c: Collector, path: string, value: unknown): FleetFacts['defaults'] {
  if (value === undefined) return {};
  const defaults = c.object(path, value, DEFAULTS_KEYS);
  if (!defaults) return {};
  const timeoutMs = c.number(at(path, 'timeoutMs'), defaults.timeoutMs, false, { integer: true, min: 1, max: 900_000 });
  validateRetryPolicy(c, at(path, 'retries'), defaults.retries);
  validateSchedule(c, at(path, 'schedule'), defaults.schedule);
  validateRateLimit(c, at(path, 'rateLimit'), defaults.rateLimit);
  validateHeaders(c, at(path, 'headers'), defaults.headers);
  const degradedMs = c.number(at(path, 'degradedMs'), defaults.degradedMs, false, { integer: true, min: 1 });
  const maxMs = c.number(at(path, 'maxMs'), defaults.maxMs, false, { integer: true, min: 1 });
  if (degradedMs !== undefined && maxMs !== undefined && degradedMs > maxMs) c.report(at(path, 'degradedMs'), `at most maxMs (${maxMs})`, String(degradedMs));
  const timeout = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (maxMs !== undefined && maxMs > timeout) c.report(at(path, 'maxMs'), `at most timeoutMs (${timeout})`, String(maxMs), 'a latency threshold above the timeout can never be crossed');
  c.number(at(path, 'maxBodyBytes'), defaults.maxBodyBytes, false, { integer: true, min: 1, max: 100 * 1024 * 1024 });
  c.number(at(path, 'concurrency'), defaults.concurrency, false, { integer: true, min: 1, max: 256 });
  const userAgent = c.string(at(path, 'userAgent'), defaults.userAgent, false, 'a User-Agent of printable ASCII, at most 256 characters');
  if (userAgent !== undefined && !USER_AGENT.test(userAgent)) c.report(at(path, 'userAgent'), 'a User-Agent of printable ASCII, at most 256 characters', JSON.stringify(userAgent));
  return { timeoutMs, degradedMs, maxMs };
}

function validateEnvironments(c: Collector, path: string, value: unknown): Map<string, TargetEnvironment> {
  const environments = new Map<string, TargetEnvironment>();
  if (!c.present(path, value, 'an object of environment name → { baseUrl, … }', true)) return environments;
  if (!isRecord(value)) {
    c.report(path, 'an object of environment name → { baseUrl, … }', describeReceived(value));
    return environments;
  }
  if (Object.keys(value).length === 0) c.report(path, 'at least one environment', 'an empty object');
  for (const [name, environmentValue] of Object.entries(value)) {
    const environmentPath = at(path, name);
    if (!ENVIRONMENT_NAME.test(name)) c.report(environmentPath, 'an environment name of letters, digits, _ and -', JSON.stringify(name));
    const environment = c.object(environmentPath, environmentValue, ENVIRONMENT_KEYS, '{ baseUrl, sandbox?, variables?, … }');
    if (!environment) {
      environments.set(name, { name, sandbox: false, baseUrl: undefined, variables: new Set() });
      continue;
    }
    let baseUrl = c.string(at(environmentPath, 'baseUrl'), environment.baseUrl, true, 'an http(s) URL');
    if (baseUrl !== undefined) {
      const problem = baseUrlProblem(baseUrl);
      if (problem) {
        c.report(at(environmentPath, 'baseUrl'), problem.expected, problem.received, problem.reason);
        baseUrl = undefined;
      }
    }
    const sandbox = c.boolean(at(environmentPath, 'sandbox'), environment.sandbox) ?? false;
    // Whether critical alarms of this environment page; a non-boolean would silently page or not.
    c.boolean(at(environmentPath, 'pages'), environment.pages);
    const variables = validateVariables(c, at(environmentPath, 'variables'), environment.variables);
    validateRateLimit(c, at(environmentPath, 'rateLimit'), environment.rateLimit);
    validateHeaders(c, at(environmentPath, 'headers'), environment.headers);
    validateCaCertificates(c, at(environmentPath, 'caCertificates'), environment.caCertificates);
    environments.set(name, { name, sandbox, baseUrl, variables });
  }
  return environments;
}

function validateRegions(c: Collector, path: string, value: unknown): Set<string> | null {
  const regions = c.array(path, value, true, 'a non-empty array of AWS regions', true);
  if (!regions) return null;
  const valid = new Set<string>();
  let allValid = true;
  regions.forEach((region, i) => {
    const name = c.matching(at(path, i), region, true, REGION, 'an AWS region like eu-west-1');
    if (name === undefined) allValid = false;
    else if (valid.has(name)) c.report(at(path, i), 'each region once', describeReceived(name), 'duplicate region');
    else valid.add(name);
  });
  return allValid ? valid : null;
}

function validateForbiddenPaths(c: Collector, path: string, value: unknown): ForbiddenPathRule[] {
  const rules: ForbiddenPathRule[] = [];
  c.array(path, value, false, 'an array of path prefixes or /regular expressions/')?.forEach((entry, i) => {
    const text = c.string(at(path, i), entry, true, 'a path prefix like /payments or a /regular expression/');
    if (text === undefined) return;
    const rule = parseForbiddenPath(text);
    if (typeof rule === 'string') c.report(at(path, i), 'a path prefix like /payments or a /regular expression/', describeReceived(text), rule);
    else rules.push(rule);
  });
  return rules;
}

function validateVersions(c: Collector, path: string, value: unknown): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    c.report(path, 'an object of service → { path, jsonPath }', describeReceived(value));
    return;
  }
  for (const [service, source] of Object.entries(value)) {
    const sourcePath = at(path, service);
    const version = c.object(sourcePath, source, ['path', 'jsonPath'], '{ path, jsonPath }');
    if (!version) continue;
    c.matching(at(sourcePath, 'path'), version.path, true, /^\//, 'a path starting with / such as /health');
    validateJsonPath(c, at(sourcePath, 'jsonPath'), version.jsonPath);
  }
}

export function validateFleet(input: unknown): ValidationResult {
  const c = new Collector();
  const fleet = c.object('', input, FLEET_KEYS, 'a fleet definition object (defineFleet({ … }))');
  if (!fleet) return { ok: false, diagnostics: c.diagnostics.map((d) => ({ ...d, path: d.path || '(fleet)' })) };

  c.string('name', fleet.name, true);
  c.matching('homeRegion', fleet.homeRegion, true, REGION, 'an AWS region like eu-west-1');
  const regions = validateRegions(c, 'regions', fleet.regions);
  if (fleet.namespace !== undefined) c.matching('namespace', fleet.namespace, false, NAMESPACE, 'a CloudWatch namespace (letters, digits and ._/#:-, not starting with AWS/)');
  const defaults = validateDefaults(c, 'defaults', fleet.defaults);
  const environments = validateEnvironments(c, 'environments', fleet.environments);
  const forbidden = validateForbiddenPaths(c, 'forbiddenPaths', fleet.forbiddenPaths);
  validateVersions(c, 'versions', fleet.versions);
  const policy = validateAlerting(c, 'alerting', fleet.alerting, regions?.size);
  // Release plans are validated by lib/release.
  c.diagnostics.push(...validateReleaseConfig(fleet.release, 'release'));

  const facts: FleetFacts = { regions, environments, forbidden, policy, defaults };
  const seenIds = new Map<string, string>();
  const checks = c.array('checks', fleet.checks, true, 'an array of checks');
  checks?.forEach((check, i) => validateCheck(c, at('checks', i), check, facts, seenIds));
  const checkRecords = (checks ?? []).filter(isRecord);
  validateMaintenance(c, 'maintenance', fleet.maintenance, {
    services: new Set(checkRecords.map((check) => check.service).filter((s): s is string => typeof s === 'string')),
    environments: new Set(environments ? Object.keys(environments) : []),
    checks: new Set(checkRecords.map((check) => check.id).filter((s): s is string => typeof s === 'string')),
  });

  if (c.diagnostics.length > 0) return { ok: false, diagnostics: c.diagnostics };
  // What CloudWatch would refuse at deploy time: the CLI, the monitor and synth all say so up front.
  const limits = deployLimitDiagnostics(input as Fleet);
  if (limits.length > 0) return { ok: false, diagnostics: limits };
  // One rate limit per origin across every shard and region: the checks must fit it.
  const traffic = trafficDiagnostics(input as Fleet);
  if (traffic.length > 0) return { ok: false, diagnostics: traffic };
  return { ok: true, fleet: input as Fleet };
}
