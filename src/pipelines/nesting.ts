/**
 * How deeply pipeline JSON, expressions, XML and runtime values may nest. Validation, redaction, masking,
 * expression evaluation and the value helpers all recurse, so anything deeper than this is refused where it
 * enters (a definition or run parameters at the API, json() text, a WebActivity response, XML) with a message
 * naming the place and the limit, instead of overflowing the stack. 64 is the API's JSON body limit and
 * Newtonsoft's default MaxDepth, which Data Factory's own readers use.
 */
export const MAX_NESTING = 64;

/**
 * The path to the first container nested deeper than `limit` levels (the outermost object or array is level
 * 1), or undefined when `value` fits. Walks with its own stack, so it is safe on any input.
 */
export function pathTooDeep(value: unknown, limit = MAX_NESTING): (string | number)[] | undefined {
  const pending: Step[] = [{ value, key: '', depth: 1, parent: undefined }];
  for (let step = pending.pop(); step !== undefined; step = pending.pop()) {
    if (typeof step.value !== 'object' || step.value === null) continue;
    if (step.depth > limit) return pathOf(step);
    const entries: [string | number, unknown][] = Array.isArray(step.value)
      ? step.value.map((item: unknown, index) => [index, item])
      : Object.entries(step.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i] ?? ['', undefined];
      pending.push({ value: inner, key, depth: step.depth + 1, parent: step });
    }
  }
  return undefined;
}

/** One container or value met on the walk; parents are linked rather than copied, so deep input stays cheap. */
interface Step {
  value: unknown;
  key: string | number;
  depth: number;
  parent: Step | undefined;
}

function pathOf(step: Step): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Step = step; at.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** `a.b[0]["odd key"]`, shortened in the middle when long. */
export function formatPath(path: readonly (string | number)[], maxSegments = 8): string {
  const segment = (key: string | number, first: boolean): string => {
    if (typeof key === 'number') return `[${key}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(key)) return first ? key : `.${key}`;
    return `[${JSON.stringify(key)}]`;
  };
  const shown =
    path.length <= maxSegments
      ? path.map((key, i) => segment(key, i === 0)).join('')
      : `${path
          .slice(0, maxSegments - 2)
          .map((key, i) => segment(key, i === 0))
          .join('')}…${path
          .slice(-2)
          .map((key) => segment(key, false))
          .join('')}`;
  return shown;
}
