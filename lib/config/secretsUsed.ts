// Which secrets a run will resolve: the references reachable from the checks it runs, in the
// environments it runs them against. Alerting secrets are not here: a run of checks never
// delivers alerts, and the commands that do (monitor) resolve their own.
import { isSecretRef } from '../model/defineFleet.js';
import type { Check, Fleet } from '../model/fleet.js';

export interface SecretUse {
  /** The name inside `secret('name')`. */
  name: string;
  /** `check-id [environment]` for every planned check that may resolve it, in plan order. */
  usedBy: string[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Every secret the planned checks may resolve, sorted by name. */
export function secretsUsedBy(fleet: Fleet, planned: readonly { check: Check; environment: string }[]): SecretUse[] {
  const uses = new Map<string, string[]>();
  for (const { check, environment: name } of planned) {
    const environment = fleet.environments[name];
    if (environment === undefined) continue;
    const sources: unknown[] = [check];
    const sendsHttp = check.kind === 'http' || check.kind === 'flow';
    if (sendsHttp) sources.push(fleet.defaults?.headers, environment.headers);
    if (sendsHttp || check.kind === 'tls') sources.push(environment.caCertificates);
    const names = new Set(secretNamesIn(...sources));
    // Environment variables are resolved only when a placeholder names them, and a flow's
    // own extractions win over a variable of the same name.
    const extracted = new Set(check.kind === 'flow' ? check.steps.flatMap((step) => Object.keys(step.extract ?? {})) : []);
    for (const placeholder of placeholdersIn(sources)) {
      const variable = environment.variables?.[placeholder];
      if (!extracted.has(placeholder) && isSecretRef(variable)) names.add(variable.$secret);
    }
    if (check.kind === 'browser') {
      // A journey names its secrets in `secrets`, and may read any environment variable by name
      // (values.get), so every secret-valued variable of the environment may be resolved.
      for (const secret of check.secrets ?? []) names.add(secret);
      for (const variable of Object.values(environment.variables ?? {})) if (isSecretRef(variable)) names.add(variable.$secret);
      for (const secret of secretNamesIn(fleet.defaults?.headers, environment.headers)) names.add(secret);
    }
    for (const secret of names) {
      const users = uses.get(secret) ?? [];
      users.push(`${check.id} [${name}]`);
      uses.set(secret, users);
    }
  }
  return [...uses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, usedBy]) => ({ name, usedBy }));
}

/** Every `{ $secret }` name inside the values, sorted and unique. */
export function secretNamesIn(...values: unknown[]): string[] {
  const found = new Set<string>();
  walk(values, (value) => {
    if (!isSecretRef(value)) return false;
    found.add(value.$secret);
    return true;
  });
  return [...found].sort();
}

function placeholdersIn(values: unknown[]): Set<string> {
  const found = new Set<string>();
  walk(values, (value) => {
    if (typeof value !== 'string') return false;
    for (const match of value.matchAll(PLACEHOLDER)) found.add(match[1] ?? '');
    return true;
  });
  return found;
}

/** Visits every value inside `value`; `visit` returns true when it has handled one (no descent). */
function walk(value: unknown, visit: (value: unknown) => boolean): void {
  if (visit(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) walk(item, visit);
  }
}
