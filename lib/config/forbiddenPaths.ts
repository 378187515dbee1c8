// `forbiddenPaths`: paths that only a sandbox environment may receive (payments, refunds).
// A value written `/…/flags` is a regular expression tested anywhere in the path; anything
// else is a prefix — the same reading as the runner's guard (lib/runner/guards.ts).
// Ambiguous values such as `/payments/` read as the regular expression `payments`, which
// blocks a superset of what the prefix would: the safe side.

export type ForbiddenPathRule = { kind: 'prefix'; prefix: string; source: string } | { kind: 'regex'; regex: RegExp; source: string };

const REGEX_FORM = /^\/(.+)\/([a-z]*)$/s;

/** A rule, or a reason the text is not one. */
export function parseForbiddenPath(text: string): ForbiddenPathRule | string {
  const regexForm = REGEX_FORM.exec(text);
  if (regexForm) {
    // test() with g or y remembers where it stopped, so the same path could pass on a second look.
    if (/[gy]/.test(regexForm[2] ?? '')) return 'the g and y flags make a regular expression stateful; leave them out';
    try {
      return { kind: 'regex', regex: new RegExp(regexForm[1] ?? '', regexForm[2]), source: text };
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
  if (!text.startsWith('/')) return 'a path prefix starts with "/"';
  return { kind: 'prefix', prefix: text, source: text };
}

/**
 * The forms of a path a server may act on: as sent, and percent-decoded (`/%70ayments` is
 * `/payments` to most servers). A sequence that does not decode is decoded where it can be.
 */
export function pathForms(path: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  }
  return decoded === path ? [path] : [path, decoded];
}

/** Prefixes match without regard to case (many servers route `/Payments` like `/payments`). */
export function pathHasPrefix(path: string, prefix: string): boolean {
  const lower = prefix.toLowerCase();
  return pathForms(path).some((form) => form.toLowerCase().startsWith(lower));
}

export function pathIsForbidden(path: string, rules: readonly ForbiddenPathRule[]): ForbiddenPathRule | undefined {
  return rules.find((rule) => (rule.kind === 'prefix' ? pathHasPrefix(path, rule.prefix) : pathForms(path).some((form) => rule.regex.test(form))));
}

/** The path part of a request URL (absolute, or relative to the environment's baseUrl). */
export function requestPath(url: string, baseUrl: string): string | undefined {
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url).pathname;
    const base = new URL(baseUrl);
    const basePath = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
    const relative = url.split(/[?#]/)[0] ?? '';
    // Resolved as a URL, so `/api/../payments` is judged as the `/payments` it reaches.
    return new URL(`${basePath}${relative.startsWith('/') ? '' : '/'}${relative}`, base.origin).pathname;
  } catch {
    return undefined;
  }
}
