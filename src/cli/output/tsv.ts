/**
 * `-o tsv`, byte-compatible with az (knack's `_TsvOutput`), because shell scripts capture it:
 * `JOB=$(nightshift batch-endpoint invoke ... --query name -o tsv)`.
 *
 * A list prints one row per element, anything else is a single row. A row that is an object prints its
 * values tab-separated in key order; a row that is a list prints its elements. Inside a row a nested
 * object prints as an empty field and a nested list as its length, which keeps the column count
 * stable across rows the way az does. A bare boolean row is lower-case (`true`), but a boolean inside
 * a row is Python's `True`; az really does both.
 */
import { isRecord, pythonText } from './scalar-text.ts';

export function formatTsv(value: unknown): string {
  const rows = Array.isArray(value) ? value : [value];
  return rows.map((row) => `${formatRow(row)}\n`).join('');
}

function formatRow(row: unknown): string {
  if (Array.isArray(row)) return row.map(formatField).join('\t');
  if (isRecord(row)) return Object.values(row).map(formatField).join('\t');
  if (typeof row === 'boolean') return String(row);
  return formatField(row);
}

function formatField(value: unknown): string {
  if (Array.isArray(value)) return String(value.length);
  if (isRecord(value)) return '';
  return pythonText(value);
}
