// Testing-in-production rules, enforced at run time as well as at validation: a config
// that slipped past validation (or was built in code) still cannot send a write or
// touch a forbidden path outside a sandbox. A blocked request is never sent.
import type { Environment, Fleet, HttpMethod, SideEffects } from '../model/fleet.js';
import { parseForbiddenPath, pathHasPrefix, pathIsForbidden } from '../config/forbiddenPaths.js';
import { ProbeFailure } from './failure.js';

const READ_ONLY: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A forbidden path entry is a prefix (`/payments`) or a regular expression written
 * `/^\/pay/`, read exactly as validation reads it. An entry validation would reject
 * still blocks at run time, as the prefix it looks like: the safe side.
 */
export function forbiddenPathMatcher(entry: string): (path: string) => boolean {
  const rule = parseForbiddenPath(entry);
  if (typeof rule === 'string') return (path) => pathHasPrefix(path, entry);
  return (path) => pathIsForbidden(path, [rule]) !== undefined;
}

export interface GuardInput {
  fleet: Fleet;
  environmentName: string;
  environment: Environment;
  method: HttpMethod;
  url: URL;
  sideEffects: SideEffects | undefined;
}

/**
 * Sandbox rights belong to the sandbox's own origin: a request that a base-URL override, an
 * absolute URL or a redirect sends elsewhere is judged as production.
 */
function isSandboxRequest(environment: Environment, url: URL): boolean {
  if (environment.sandbox !== true) return false;
  try {
    return new URL(environment.baseUrl).origin === url.origin;
  } catch {
    return false;
  }
}

export function enforceGuards(input: GuardInput): void {
  const { environment, environmentName, method, url, sideEffects } = input;
  const sandbox = isSandboxRequest(environment, url);
  if (!READ_ONLY.has(method) && !sideEffects) {
    throw new ProbeFailure(
      'guard_blocked',
      `${method} ${url.pathname}: only GET, HEAD and OPTIONS may run without declared sideEffects, received ${method} with none; nothing was sent, and a retry will not help`,
      false,
    );
  }
  if (sideEffects?.kind === 'sandbox' && !sandbox) {
    throw new ProbeFailure(
      'guard_blocked',
      `${method} ${url.pathname}: sideEffects 'sandbox' needs an environment marked sandbox and a request to its own baseUrl, received environment '${environmentName}' and ${url.origin}; nothing was sent, and a retry will not help`,
      false,
    );
  }
  if (!sandbox) {
    for (const entry of input.fleet.forbiddenPaths ?? []) {
      if (forbiddenPathMatcher(entry)(url.pathname)) {
        throw new ProbeFailure(
          'guard_blocked',
          `${method} ${url.pathname}: path matches forbidden path '${entry}', allowed only on a sandbox environment, received environment '${environmentName}'; nothing was sent, and a retry will not help`,
          false,
        );
      }
    }
  }
}
