// The small JSONPath subset assertions and extractors use: `$`, `.name`, `[0]`,
// `['name']` / `["name"]`, and a negative index `[-1]` for the last element.

export type PathSegment = string | number;

export type JsonPathLookup = { found: true; value: unknown } | { found: false };

export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`JSON path '${path}': ${reason}`);
    this.name = 'JsonPathError';
  }
}

export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new JsonPathError(path, "expected it to start with '$'");
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const match = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!match) throw new JsonPathError(path, `expected a name after '.' at position ${i}`);
      segments.push(match[0]);
      i += 1 + match[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const index = /^\[(-?\d+)\]/.exec(rest);
      const quoted = /^\[(['"])(.*?)\1\]/.exec(rest);
      if (index?.[1] !== undefined) {
        segments.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted?.[2] !== undefined) {
        segments.push(quoted[2]);
        i += quoted[0].length;
      } else {
        throw new JsonPathError(path, `expected [number] or ['name'] at position ${i}`);
      }
    } else {
      throw new JsonPathError(path, `unexpected '${c ?? ''}' at position ${i}`);
    }
  }
  return segments;
}

export function lookupJsonPath(document: unknown, path: string): JsonPathLookup {
  let current: unknown = document;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return { found: false };
      const index = segment < 0 ? current.length + segment : segment;
      if (index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
