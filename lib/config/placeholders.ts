// `{{name}}` placeholders in URLs, headers, query values and bodies. A name is a variable of
// the environment or a value an earlier flow step extracted. The syntax matches the runner's
// (lib/runner/values.ts): optional spaces inside the braces, names of letters, digits, `_.-`.

const WELL_FORMED = /^\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}$/;

export interface PlaceholderScan {
  /** Well-formed placeholder names, in order of appearance. */
  names: string[];
  /** `{{…}}` texts that the runner would not fill (empty, other characters). */
  malformed: string[];
}

export function scanPlaceholders(text: string): PlaceholderScan {
  const names: string[] = [];
  const malformed: string[] = [];
  for (const match of text.matchAll(/\{\{.*?\}\}/g)) {
    const name = WELL_FORMED.exec(match[0])?.[1];
    if (name !== undefined) names.push(name);
    else malformed.push(match[0]);
  }
  return { names, malformed };
}

export function hasPlaceholder(text: string): boolean {
  return scanPlaceholders(text).names.length > 0;
}

/** Replaces every placeholder with a stand-in, so a URL with placeholders can be parsed. */
export function withStandIns(text: string): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, 'x');
}
