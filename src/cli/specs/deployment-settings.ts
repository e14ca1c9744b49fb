/**
 * The execution settings of a model batch deployment, from their YAML spelling (`settings:` block, or the
 * root of a legacy flat file) to the ARM camelCase properties: `append_row` → `AppendRow`, `info` →
 * `Info`, `retry_settings.timeout` seconds → an ISO-8601 duration (`PT30S`). Only fields that are given
 * are sent; the server applies Azure's defaults to the rest.
 */
import { formatSplitSize } from '../../core/row-ranges.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { compact } from './document-source.ts';
import {
  fieldValue,
  hasField,
  optionalEnum,
  optionalInteger,
  optionalSeconds,
  optionalString,
  optionalStringMap,
  refuseUnknownFields,
} from './spec-fields.ts';

export const SETTINGS_FIELDS = [
  'max_concurrency_per_instance',
  'mini_batch_size',
  'output_action',
  'output_file_name',
  'retry_settings',
  'error_threshold',
  'logging_level',
  'environment_variables',
] as const;

function at(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** A count of files, or a size (`"64MB"`) or row count (`"1000 rows"`) that splits tabular files. */
function miniBatchSize(source: YamlSpecSource, path: string): number | string | undefined {
  const value = fieldValue(source, path);
  if (typeof value === 'string') {
    const split = formatSplitSize(value);
    if (split !== undefined) return split;
    if (!/^\s*\d+\s*$/.test(value)) {
      throw specFieldError(
        source,
        path,
        `must be a number of files, a size such as "64MB" (KB, MB, GB) or a row count such as "100000 rows", got ${JSON.stringify(value)}`,
      );
    }
  }
  return optionalInteger(source, path, { min: 1 });
}

function readBlock(source: YamlSpecSource, prefix: string): Json {
  const retry = at(prefix, 'retry_settings');
  refuseUnknownFields(source, retry, ['max_retries', 'timeout']);
  const timeout = optionalSeconds(source, at(retry, 'timeout'));
  const retrySettings = compact({
    maxRetries: optionalInteger(source, at(retry, 'max_retries'), { min: 0 }),
    timeout: timeout === undefined ? undefined : `PT${timeout}S`,
  });
  return compact({
    maxConcurrencyPerInstance: optionalInteger(source, at(prefix, 'max_concurrency_per_instance'), {
      min: 1,
    }),
    miniBatchSize: miniBatchSize(source, at(prefix, 'mini_batch_size')),
    outputAction: optionalEnum(source, at(prefix, 'output_action'), {
      append_row: 'AppendRow',
      summary_only: 'SummaryOnly',
    }),
    outputFileName: optionalString(source, at(prefix, 'output_file_name')),
    retrySettings: Object.keys(retrySettings).length > 0 ? retrySettings : undefined,
    errorThreshold: optionalInteger(source, at(prefix, 'error_threshold'), { min: -1 }),
    loggingLevel: optionalEnum(source, at(prefix, 'logging_level'), {
      info: 'Info',
      warning: 'Warning',
      debug: 'Debug',
    }),
    environmentVariables: optionalStringMap(source, at(prefix, 'environment_variables')),
  });
}

/**
 * Reads the settings. `legacy` (no `type:`) also reads them from the root; a `settings:` block wins field
 * by field. `environment_variables` is read from the root in either layout, as az accepts it there too.
 */
export function readDeploymentSettings(source: YamlSpecSource, legacy: boolean): Json {
  refuseUnknownFields(source, 'settings', SETTINGS_FIELDS);
  const root = legacy
    ? readBlock(source, '')
    : compact({ environmentVariables: optionalStringMap(source, 'environment_variables') });
  const block = hasField(source, 'settings') ? readBlock(source, 'settings') : {};
  const merged: Json = { ...root, ...block };
  if (root.environmentVariables && block.environmentVariables) {
    merged.environmentVariables = {
      ...(root.environmentVariables as Json),
      ...(block.environmentVariables as Json),
    };
  }
  return merged;
}
