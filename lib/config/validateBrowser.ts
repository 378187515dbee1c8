// A browser check's own fields: where the page starts, the script, the secrets it may read,
// its declared side effects, viewport and trace. The start URL and sideEffects follow exactly
// the rules of an http request (forbidden paths, sandbox-only writes), so they go through
// validateRequest rather than a second copy of those rules.
import { Script } from 'node:vm';
import { at, describeReceived } from './collector.js';
import type { Collector } from './collector.js';
import { validateRequest } from './validateRequest.js';
import type { RequestScope } from './validateRequest.js';

export const BROWSER_KEYS = ['url', 'script', 'secrets', 'sideEffects', 'viewport', 'trace'] as const;

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SCRIPT_EXPECTED = 'browserScript(async ({ page, values, expect, step }) => { … }), i.e. { code: "<function source>" }';

/**
 * Whether the text parses as one function expression. A vm.Script compiles without running
 * anything (it is never run here).
 */
export function scriptSyntaxProblem(code: string): string | undefined {
  try {
    new Script(`(${code}\n);`);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!/^\s*(async\b|function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(code)) return 'the code is not a function expression';
  return undefined;
}

export function validateBrowserCheck(c: Collector, path: string, check: Record<string, unknown>, scope: Omit<RequestScope, 'extracted' | 'laterExtracted'>): void {
  // A browser page only ever starts with a GET; what it does next is guarded in the browser.
  validateRequest(c, path, { url: check.url ?? '/', ...(check.sideEffects === undefined ? {} : { sideEffects: check.sideEffects }) }, {
    ...scope,
    extracted: new Set(),
    laterExtracted: new Set(),
  });

  const scriptPath = at(path, 'script');
  if (typeof check.script === 'function') {
    // Unreachable through the config worker (functions do not survive it), but a program may pass one.
    c.report(scriptPath, SCRIPT_EXPECTED, 'a function', 'wrap it in browserScript(…) so its source travels with the fleet');
  } else if (c.present(scriptPath, check.script, SCRIPT_EXPECTED, true)) {
    const script = c.object(scriptPath, check.script, ['code'], SCRIPT_EXPECTED);
    const code = script ? c.string(at(scriptPath, 'code'), script.code, true, 'the JavaScript source of the journey function') : undefined;
    const problem = code === undefined ? undefined : scriptSyntaxProblem(code);
    // The code is the user's own source, not a secret: a short excerpt helps find the mistake.
    if (problem && code !== undefined) c.report(at(scriptPath, 'code'), 'one function expression: async ({ page, values, expect, step }) => { … }', describeReceived(code.slice(0, 60)), problem);
  }

  const secrets = c.array(at(path, 'secrets'), check.secrets, false, 'an array of secret names the script reads with values.secret(name)');
  const seen = new Set<string>();
  secrets?.forEach((name, i) => {
    const itemPath = at(at(path, 'secrets'), i);
    const text = c.matching(itemPath, name, true, SECRET_NAME, 'a secret name of letters, digits and /_+=.@-');
    if (text === undefined) return;
    if (seen.has(text)) c.report(itemPath, 'each secret once', describeReceived(text), 'duplicate secret');
    seen.add(text);
  });

  if (check.viewport !== undefined) {
    const viewportPath = at(path, 'viewport');
    const viewport = c.object(viewportPath, check.viewport, ['width', 'height'], '{ width, height } in CSS pixels');
    if (viewport) {
      c.number(at(viewportPath, 'width'), viewport.width, true, { integer: true, min: 200, max: 3840 });
      c.number(at(viewportPath, 'height'), viewport.height, true, { integer: true, min: 200, max: 2160 });
    }
  }
  c.boolean(at(path, 'trace'), check.trace);
  // Chromium is not handed extra trust anchors: accepting the field would silently not apply it.
  if (check.caCertificates !== undefined) {
    c.report(at(path, 'caCertificates'), 'no caCertificates on a browser check (the browser trusts the system CAs only)', 'a list of CA certificates', 'not supported for browser checks yet');
  }
}
