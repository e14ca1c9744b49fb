/**
 * How a scoring script's return value becomes output lines, the way Azure's `append_row` writes it,
 * and how it counts toward the mini-batch's succeeded/failed items.
 *
 * Azure accepts a Python `list` (one `str(element)` line per element) or a pandas DataFrame (written by
 * `to_csv(header=None, index=None, sep=" ")`). The JS stand-ins are an array and a table
 * `{columns, rows}`. Python would print a repr for dicts and lists inside a list; we write compact JSON
 * instead, because a JS object has no repr and JSON is what a reader of the output can parse back.
 * Lines are produced lazily so a large result is never copied into one big string.
 */

/** The JS stand-in for a pandas DataFrame: column names (never written) and rows of fields. */
export interface Table {
  columns: string[];
  rows: unknown[][];
}

/** A validated `run()` result: an array (Python list) or a table (DataFrame). */
export type ScoringResult = { kind: 'array'; items: readonly unknown[] } | { kind: 'table'; table: Table };

/** `run()` returned something that is neither an array nor a table; fails the attempt like Azure does. */
export class ScoringResultTypeError extends Error {
  readonly code = 'ScoringResultType';
  constructor(actualType: string) {
    super(
      'The run() method in the entry script accepts and should return an array or a table ({columns, rows}). ' +
        `The actual type of output is ${actualType}.`,
    );
    this.name = 'ScoringResultTypeError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A readable type name for the error message (Python prints `<class 'int'>`; we print `number`). */
function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'object';
}

function isTable(value: unknown): value is Table {
  if (typeof value !== 'object' || value === null) return false;
  const { columns, rows } = value as { columns?: unknown; rows?: unknown };
  return (
    Array.isArray(columns) &&
    columns.every((c) => typeof c === 'string') &&
    Array.isArray(rows) &&
    rows.every((r) => Array.isArray(r))
  );
}

/** Checks the shape of a `run()` return value; throws ScoringResultTypeError for anything else. */
export function toScoringResult(value: unknown): ScoringResult {
  if (Array.isArray(value)) return { kind: 'array', items: value };
  if (isTable(value)) return { kind: 'table', table: value };
  throw new ScoringResultTypeError(describeType(value));
}

/** How many output rows (array elements or table rows) the result holds. */
export function resultLength(result: ScoringResult): number {
  return result.kind === 'array' ? result.items.length : result.table.rows.length;
}

/**
 * Azure's count rule: every returned row marks one input item as succeeded, capped at the mini-batch
 * size; the rest of the mini-batch failed. Returning more rows than files is allowed (only warned about).
 */
export function countItems(returned: number, miniBatchSize: number): { succeeded: number; failed: number } {
  const succeeded = Math.min(returned, miniBatchSize);
  return { succeeded, failed: miniBatchSize - succeeded };
}

/** One array element as Python's `str()` would print it, with JSON standing in for reprs. */
function formatListElement(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'None';
    case 'symbol':
      return value.toString();
    case 'function':
      return `<function ${value.name}>`;
    default:
      if (value === null) return 'None';
      return value instanceof Date ? value.toISOString() : JSON.stringify(value);
  }
}

/**
 * One table field as pandas `to_csv` writes it with `sep=" "` and minimal quoting: missing values are
 * empty, and a field holding the separator, a quote or a line break is quoted with inner quotes doubled.
 */
function formatTableField(value: unknown): string {
  // pandas writes missing values (None, NaN) as empty fields.
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  const text = formatListElement(value);
  return /[ "\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function formatTableRow(row: readonly unknown[]): string {
  // Python's csv writer quotes a lone empty field so the row does not read back as a blank line.
  if (row.length === 1 && formatTableField(row[0]) === '') return '""';
  return row.map(formatTableField).join(' ');
}

/** The output lines of a result, each ending with "\n", produced one at a time. */
export function* formatLines(result: ScoringResult): Generator<string> {
  if (result.kind === 'array') {
    for (const item of result.items) yield formatListElement(item) + '\n';
  } else {
    for (const row of result.table.rows) yield formatTableRow(row) + '\n';
  }
}
