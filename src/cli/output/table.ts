/**
 * `-o table`: the plain text table az prints (knack's `_TableOutput` through tabulate's "simple"
 * style): a header row, a row of dashes, then one row per item, columns left-aligned, separated by two
 * spaces, each at least two characters wider than its header, trailing blanks trimmed.
 *
 * Columns come from a command's TableSpec when it has one, which is how az ml's table transformers
 * pick `name`, `provisioning_state`, ... for `list`. Without one, columns are the keys of the rows:
 * scalars only, skipping `id`, `type` and `etag`, with the first letter capitalised, sorted when the
 * rows are the command's own result and in the query's order when `--query` shaped them.
 */
import { search } from 'jmespath';

import { OutputError } from './output-error.ts';
import { isRecord, pythonText } from './scalar-text.ts';

/**
 * One column: its header text and where its value sits in a row (dotted path or JMESPath), or a function
 * of the row for a value no path can express (an id shortened to `name:version`, an error in one line).
 */
export type TableColumn =
  { header: string; path: string } | { header: string; value: (item: unknown) => string | undefined };

export type TableSpec = readonly TableColumn[];

export interface TableOptions {
  /** Fixed columns; when absent, columns are derived from the rows' keys. */
  columns?: TableSpec | undefined;
  /** Sort derived columns by key; az does this only when no query shaped the result. */
  sortKeys?: boolean | undefined;
}

type Row = Map<string, string>;

const SKIPPED_KEYS = new Set(['id', 'type', 'etag']);
const COLUMN_GAP = '  ';
const HEADER_PADDING = 2;
/** Paths made only of plain keys are walked directly, so keys like `$schema` or `a-b` work too. */
const PLAIN_DOTTED_PATH = /^[^.[\]{}()|&!*@`'",\s<>=?]+(?:\.[^.[\]{}()|&!*@`'",\s<>=?]+)*$/;

export function formatTable(value: unknown, options: TableOptions = {}): string {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return '';
  const rows = options.columns
    ? items.map((item) => specRow(item, options.columns ?? []))
    : items.map((item) => autoRow(item, options.sortKeys === true));
  const headers = options.columns ? options.columns.map((c) => c.header) : unionOfKeys(rows);
  if (headers.length === 0) {
    throw new OutputError(
      'TableUnavailable',
      'Table output unavailable. Use the --query option to specify an appropriate query.',
    );
  }
  return render(headers, rows);
}

function specRow(item: unknown, columns: TableSpec): Row {
  const row: Row = new Map();
  for (const column of columns) {
    const value = 'path' in column ? readPath(item, column.path) : column.value(item);
    row.set(column.header, value === null || value === undefined ? '' : pythonText(value));
  }
  return row;
}

function readPath(item: unknown, path: string): unknown {
  if (PLAIN_DOTTED_PATH.test(path)) {
    let current: unknown = item;
    for (const key of path.split('.')) {
      if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
      current = current[key];
    }
    return current;
  }
  try {
    return search(item, path) as unknown;
  } catch (err) {
    throw new OutputError('InvalidQuery', `table column path '${path}': ${String(err)}`, { cause: err });
  }
}

function autoRow(item: unknown, sortKeys: boolean): Row {
  const row: Row = new Map();
  if (isRecord(item)) {
    const keys = sortKeys ? Object.keys(item).sort() : Object.keys(item);
    for (const key of keys) {
      const value = item[key];
      if (SKIPPED_KEYS.has(key) || value === null || value === undefined || typeof value === 'object')
        continue;
      row.set(capitalize(key), pythonText(value));
    }
  } else if (Array.isArray(item)) {
    item.forEach((value, index) => row.set(`Column${index + 1}`, pythonText(value)));
  } else {
    row.set('Result', pythonText(item));
  }
  return row;
}

function capitalize(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}

function unionOfKeys(rows: readonly Row[]): string[] {
  const headers = new Set<string>();
  for (const row of rows) for (const key of row.keys()) headers.add(key);
  return [...headers];
}

function render(headers: readonly string[], rows: readonly Row[]): string {
  const cells = rows.map((row) => headers.map((h) => oneLine(row.get(h) ?? '')));
  const widths = headers.map((header, col) =>
    Math.max(width(header) + HEADER_PADDING, ...cells.map((line) => width(line[col] ?? ''))),
  );
  const line = (texts: readonly string[]): string =>
    texts
      .map((text, col) => text + ' '.repeat((widths[col] ?? 0) - width(text)))
      .join(COLUMN_GAP)
      .trimEnd();
  const dashes = widths.map((w) => '-'.repeat(w));
  return [line(headers), line(dashes), ...cells.map(line)].map((l) => `${l}\n`).join('');
}

/** Keeps each row on one line; a newline inside a value would break every column after it. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}

const graphemes = new Intl.Segmenter();

/** Width in user-perceived characters, so an accented letter or an emoji counts once. */
function width(text: string): number {
  return Array.from(graphemes.segment(text)).length;
}
