/**
 * Compute YAML (`amlCompute.schema.json`) to Azure's ARM body, client-side as az does: `name`,
 * `type: amlcompute`, `size`, `min_instances` (default 0), `max_instances` (default 1),
 * `idle_time_before_scale_down` in seconds (default 120), `tier`, `location`, `description` and `tags`.
 * Counts are checked here so a typo points at its line; the server checks them again for REST callers.
 */
import { checkComputeName, COMPUTE_DEFAULTS } from '../../core/computes.ts';
import { ValidationError } from '../../core/errors.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { CliError } from '../client.ts';
import { compact } from './document-source.ts';
import {
  optionalEnum,
  optionalInteger,
  optionalString,
  optionalStringMap,
  refuseUnknownFields,
  requiredString,
} from './spec-fields.ts';

const COMPUTE_FIELDS = [
  'name',
  'type',
  'size',
  'min_instances',
  'max_instances',
  'idle_time_before_scale_down',
  'tier',
  'location',
  'description',
  'tags',
] as const;

function computeName(source: YamlSpecSource, flag: string | undefined): string {
  const name = flag ?? requiredString(source, 'name');
  try {
    return checkComputeName(name, flag === undefined ? 'name' : '--name');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    if (flag !== undefined) throw new CliError(error.message, { exitCode: 2 });
    throw specFieldError(source, 'name', error.message);
  }
}

export function computeRequest(source: YamlSpecSource, nameFlag?: string): { name: string; body: Json } {
  refuseUnknownFields(source, '', COMPUTE_FIELDS);
  const name = computeName(source, nameFlag);
  optionalEnum(source, 'type', { amlcompute: 'AmlCompute' });
  optionalEnum(source, 'tier', { dedicated: 'Dedicated' });
  const min = optionalInteger(source, 'min_instances', { min: 0 }) ?? COMPUTE_DEFAULTS.minNodeCount;
  const max = optionalInteger(source, 'max_instances', { min: 1 }) ?? COMPUTE_DEFAULTS.maxNodeCount;
  if (min > max) {
    throw specFieldError(
      source,
      'min_instances',
      `(${min}) must not be more than max_instances (${max}); lower min_instances or raise max_instances`,
    );
  }
  const idle =
    optionalInteger(source, 'idle_time_before_scale_down', { min: 0 }) ??
    COMPUTE_DEFAULTS.idleSecondsBeforeScaleDown;
  const body: Json = compact({
    location: optionalString(source, 'location'),
    tags: optionalStringMap(source, 'tags'),
    properties: compact({
      computeType: 'AmlCompute',
      description: optionalString(source, 'description'),
      properties: {
        vmSize: optionalString(source, 'size') ?? COMPUTE_DEFAULTS.vmSize,
        vmPriority: 'Dedicated',
        scaleSettings: {
          minNodeCount: min,
          maxNodeCount: max,
          nodeIdleTimeBeforeScaleDown: `PT${idle}S`,
        },
      },
    }),
  });
  return { name, body };
}
