/**
 * Turns a command's result into the text printed for `--output/-o` and `--query`, following az's
 * pipeline: the JMESPath query runs first, a null result prints nothing at all, then the chosen format
 * renders what is left. Each returned string ends with a newline (or is empty) so the caller can write
 * it to stdout as is.
 *
 * Key order follows az too. `json` and `yaml` sort keys at every level. `tsv` prints keys in order,
 * and az's order there is mixed: objects built by the query (`{name: name, state: status}`) keep the
 * query's order while the command's own objects come out sorted. Sorting the result's keys before the
 * query reproduces both.
 */
import { stringify } from 'yaml';

import { applyQuery } from './query.ts';
import { isRecord } from './scalar-text.ts';
import { formatTable, type TableSpec } from './table.ts';
import { formatTsv } from './tsv.ts';

export const OUTPUT_FORMATS = ['json', 'table', 'tsv', 'yaml', 'none'] as const;

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputOptions {
  output: OutputFormat;
  /** JMESPath expression applied before formatting. */
  query?: string | undefined;
  /** Columns for `-o table`; ignored once a query has reshaped the result, as az ignores its transformer. */
  table?: TableSpec | undefined;
}

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

export function formatOutput(value: unknown, options: OutputOptions): string {
  const { output, query } = options;
  const plain = toJsonValue(value);
  const input = output === 'tsv' ? sortKeysDeep(plain) : plain;
  // The query is evaluated even for `-o none`, so a broken expression is reported, not hidden.
  const result = query === undefined ? input : applyQuery(input, query);
  if (result === null || output === 'none') return '';
  switch (output) {
    case 'json':
      return `${JSON.stringify(sortKeysDeep(result), null, 2)}\n`;
    case 'yaml':
      return stringify(result, {
        sortMapEntries: true,
        indentSeq: false,
        lineWidth: 0,
        aliasDuplicateObjects: false,
      });
    case 'tsv':
      return formatTsv(result);
    case 'table':
      return formatTable(result, {
        columns: query === undefined ? options.table : undefined,
        sortKeys: query === undefined && options.table === undefined,
      });
  }
}

/** A JSON-only copy of the result (dates as strings, undefined fields gone), as az would have it. */
function toJsonValue(value: unknown): unknown {
  // JSON.stringify yields undefined (despite its type) for undefined, functions and symbols.
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, sortKeysDeep(value[key])]));
}
