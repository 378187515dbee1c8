// The TLS endpoints (`host:port`) a check target presents a certificate from: the `Endpoint`
// dimension of `CertificateDaysRemaining`. Pure and static (the fleet definition only), so the
// probe that publishes the metric and the alarms that read it derive the same values: one
// certificate alarm per endpoint, naming every check that depends on it.
import type { Check, Environment, Fleet } from '../../model/fleet.js';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** `host:port` with the host in lower case (DNS names are case-insensitive); IPv6 keeps its brackets. */
export function endpointName(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return `${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

/**
 * Fills `{{name}}` from the environment's plain variables, as the runner does. A placeholder
 * that only a secret or an earlier flow step can fill leaves the URL unknown before the run:
 * null, and that URL has no endpoint (its certificate is still judged by the check itself).
 */
function fillStatic(text: string, environment: Environment): string | null {
  let unknown = false;
  const filled = text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = environment.variables?.[name];
    if (typeof value === 'string') return value;
    unknown = true;
    return '';
  });
  return unknown ? null : filled;
}

/** The URL the runner requests (lib/runner/http.ts joinUrl): absolute as given, else under the base. */
function requestUrl(base: string, url: string): URL | null {
  try {
    if (ABSOLUTE.test(url)) return new URL(url);
    return new URL(`${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
  } catch {
    return null;
  }
}

/**
 * Distinct endpoints, in the order the check reaches them: an `https:` URL of an http check or
 * of any flow step (default port 443), or a tls check's `host`/`port` (default: the base URL's).
 * dns and tcp checks, `http:` URLs, and hosts hidden behind a secret or an extracted value give
 * none. Redirects are not followed here: a certificate seen only after a redirect to another
 * host is reported under the endpoint the check asked for.
 */
export function certificateEndpoints(fleet: Pick<Fleet, 'environments'>, check: Check, environmentName: string): string[] {
  const environment = fleet.environments[environmentName];
  if (!environment) return [];
  const out = new Set<string>();
  if (check.kind === 'tls') {
    const base = requestUrl(environment.baseUrl, '/');
    const host = check.host ?? base?.hostname;
    if (host) out.add(endpointName(host, check.port ?? (base?.port ? Number(base.port) : 443)));
    return [...out];
  }
  if (check.kind !== 'http' && check.kind !== 'flow') return [];
  const urls = check.kind === 'http' ? [check.url] : check.steps.map((step) => step.url);
  for (const raw of urls) {
    const filled = fillStatic(raw, environment);
    const url = filled === null ? null : requestUrl(environment.baseUrl, filled);
    if (url?.protocol === 'https:') out.add(endpointName(url.hostname, url.port ? Number(url.port) : 443));
  }
  return [...out];
}
