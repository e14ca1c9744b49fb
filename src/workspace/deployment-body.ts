/**
 * Reads the settings block of a batch deployment body (ARM camelCase, leniently), filling every field
 * Azure defaults. Kept apart from the service so the job API can reuse the same rules for per-job
 * overrides.
 */
import { ValidationError } from '../core/errors.ts';
import { normaliseDatastorePath } from '../core/references.ts';
import { DEPLOYMENT_DEFAULTS, type DeploymentSettings } from '../core/resources.ts';
import { formatSplitSize } from '../core/row-ranges.ts';
import {
  optionalDurationSeconds,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  prop,
  stringMap,
  type Json,
} from '../core/wire-values.ts';

/** A file name's limit on every common file system (NAME_MAX), in UTF-8 bytes. */
const FILE_NAME_MAX_BYTES = 255;
/** A scoring script's path inside its code folder. */
const SCORING_SCRIPT_MAX_CHARS = 1024;

function tooLong(field: string, what: string): ValidationError {
  return new ValidationError(`'${field}' is too long: ${what}.`, field);
}

export function checkOutputFileName(value: unknown, field: string): string | undefined {
  const name = optionalString(value, field);
  if (name === undefined) return undefined;
  if (Buffer.byteLength(name) > FILE_NAME_MAX_BYTES) {
    throw tooLong(field, `a file name may have at most ${FILE_NAME_MAX_BYTES} bytes (UTF-8)`);
  }
  if (!name || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw new ValidationError(
      `'${field}' must be a plain file name such as predictions.csv; got '${name}'.`,
      field,
    );
  }
  return name;
}

/**
 * A scoring script path: at most 1,024 characters, and a datastore path inside the code folder by the
 * same rules as every other (names of at most 255 bytes, no '..'; core/references.ts).
 */
export function checkScoringScript(script: string, field: string): string {
  if (script.length > SCORING_SCRIPT_MAX_CHARS) {
    throw tooLong(field, `a scoring script path may have at most ${SCORING_SCRIPT_MAX_CHARS} characters`);
  }
  normaliseDatastorePath(script, field);
  return script;
}

function errorThreshold(value: unknown, field: string): number | undefined {
  return optionalInteger(value, field, { min: -1 });
}

/**
 * `miniBatchSize` is a count of files, as in Azure's REST API, or (beyond it, as its tabular parallel
 * jobs take) a size such as "64MB" or a row count such as "100000 rows", which splits tabular files.
 */
function miniBatchSetting(
  value: unknown,
  base: DeploymentSettings,
): Pick<DeploymentSettings, 'miniBatchSize' | 'miniBatchSplit'> {
  const field = 'properties.miniBatchSize';
  if (value === undefined || value === null) {
    return {
      miniBatchSize: base.miniBatchSize,
      ...(base.miniBatchSplit ? { miniBatchSplit: base.miniBatchSplit } : {}),
    };
  }
  const split = typeof value === 'string' ? formatSplitSize(value) : undefined;
  if (split !== undefined) return { miniBatchSize: base.miniBatchSize, miniBatchSplit: split };
  if (typeof value === 'string' && !/^\s*\d+\s*$/.test(value)) {
    throw new ValidationError(
      `'${field}' must be a number of files, a size such as "64MB" (KB, MB, GB) or a row count such as "100000 rows"; got ${JSON.stringify(value)}.`,
      field,
    );
  }
  return { miniBatchSize: optionalInteger(value, field, { min: 1 }) ?? base.miniBatchSize };
}

export function readSettings(
  props: Json,
  base: DeploymentSettings = DEPLOYMENT_DEFAULTS,
): DeploymentSettings {
  const retry = optionalObject(prop(props, 'retrySettings'), 'properties.retrySettings');
  return {
    maxConcurrencyPerInstance:
      optionalInteger(prop(props, 'maxConcurrencyPerInstance'), 'properties.maxConcurrencyPerInstance', {
        min: 1,
        max: 64,
      }) ?? base.maxConcurrencyPerInstance,
    ...miniBatchSetting(prop(props, 'miniBatchSize'), base),
    outputAction:
      optionalEnum(prop(props, 'outputAction'), 'properties.outputAction', [
        'AppendRow',
        'SummaryOnly',
      ] as const) ?? base.outputAction,
    outputFileName:
      checkOutputFileName(prop(props, 'outputFileName'), 'properties.outputFileName') ?? base.outputFileName,
    retrySettings: {
      maxRetries:
        optionalInteger(prop(retry, 'maxRetries'), 'properties.retrySettings.maxRetries', {
          min: 0,
          max: 100,
        }) ?? base.retrySettings.maxRetries,
      timeoutSeconds:
        optionalDurationSeconds(prop(retry, 'timeout'), 'properties.retrySettings.timeout') ??
        base.retrySettings.timeoutSeconds,
    },
    errorThreshold:
      errorThreshold(prop(props, 'errorThreshold'), 'properties.errorThreshold') ?? base.errorThreshold,
    loggingLevel:
      optionalEnum(prop(props, 'loggingLevel'), 'properties.loggingLevel', [
        'Info',
        'Warning',
        'Debug',
      ] as const) ?? base.loggingLevel,
    environmentVariables: prop(props, 'environmentVariables')
      ? stringMap(prop(props, 'environmentVariables'), 'properties.environmentVariables')
      : base.environmentVariables,
  };
}
