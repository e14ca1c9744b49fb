/**
 * How one value reads inside a tsv or table cell. az prints cells with Python's `str()`, so null is
 * `None` and booleans are `True`/`False`; scripts that parse `-o tsv` output compare against exactly
 * those spellings, so we keep them. Collections have no Python spelling we could match meaningfully,
 * so callers decide what they become; this helper writes them as compact JSON.
 */

export function pythonText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
