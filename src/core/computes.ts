/**
 * Computes as Azure's AmlCompute clusters: a name, a VM size and scale settings (min and max nodes, the
 * idle time before a node scales down). In embedded mode a compute is the server's own worker processes,
 * so the size is recorded as given and `maxNodeCount` is what bounds the jobs bound to the compute; the
 * rules and defaults are Azure's, so a body or YAML written for Azure reads the same here. `local` is the
 * server's own pool, which every deployment without a compute uses and which cannot be created or deleted.
 */
import { ValidationError } from './errors.ts';
import { optionalDescription, preview, tagMap } from './limits.ts';
import type { SystemData } from './resources.ts';
import { optionalInteger, optionalObject, optionalString, prop, type Json } from './wire-values.ts';

export interface Compute {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** Azure VM size, e.g. STANDARD_DS3_V2 (recorded; embedded workers are processes of this machine). */
  vmSize: string;
  minNodeCount: number;
  maxNodeCount: number;
  idleSecondsBeforeScaleDown: number;
  provisioningState: 'Succeeded';
  systemData: SystemData;
}

/** The server's own worker pool: what a deployment without a compute (or naming `local`) runs on. */
export const LOCAL_COMPUTE = 'local';

/** Azure's defaults for `az ml compute create --type amlcompute`. */
export const COMPUTE_DEFAULTS = {
  vmSize: 'STANDARD_DS3_V2',
  minNodeCount: 0,
  maxNodeCount: 1,
  idleSecondsBeforeScaleDown: 120,
} as const;

/** More nodes than that is a typo here: every node is a process group on this machine or a worker host. */
const MAX_NODES = 1000;
const COMPUTE_NAME = /^[a-zA-Z]([-a-zA-Z0-9]{0,14}[a-zA-Z0-9])?$/;
const VM_SIZE = /^standard_[a-z0-9_-]{1,60}$/i;

/** Azure's rule for cluster names: 2 to 16 characters, a letter first, letters, digits and '-'. */
export function checkComputeName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(`A compute name is required: set '${field}'.`, field);
  }
  if (name.length < 2 || name.length > 16 || !COMPUTE_NAME.test(name)) {
    throw new ValidationError(
      `Invalid compute name '${preview(name)}' in '${field}': use 2 to 16 characters, start with a letter, ` +
        `and use only letters, digits and '-' (not at the end).`,
      field,
    );
  }
  if (name.toLowerCase() === LOCAL_COMPUTE) {
    throw new ValidationError(
      `'${LOCAL_COMPUTE}' is the server's own worker pool and cannot be created or deleted; choose another name in '${field}'.`,
      field,
    );
  }
  return name;
}

/**
 * The compute name a deployment's `compute` names: `azureml:NAME`, `NAME` or the ARM id
 * `.../workspaces/{ws}/computes/NAME` (of this workspace: `workspacePath`); `local` for none.
 */
export function computeNameOf(ref: string | undefined, workspacePath: string, field: string): string {
  const text = (ref ?? '').trim();
  if (text === '') return LOCAL_COMPUTE;
  if (text.startsWith('/')) {
    const prefix = `${workspacePath}/computes/`.toLowerCase();
    const name = text.slice(prefix.length);
    if (!text.toLowerCase().startsWith(prefix) || name === '' || name.includes('/')) {
      throw new ValidationError(
        `'${field}' must name a compute of this workspace (${workspacePath}/computes/NAME, azureml:NAME or NAME); got '${preview(text)}'.`,
        field,
      );
    }
    return name;
  }
  return text.replace(/^azureml:/i, '');
}

function vmSize(value: unknown, field: string): string {
  const size = optionalString(value, field);
  if (size === undefined || size === '') return COMPUTE_DEFAULTS.vmSize;
  if (!VM_SIZE.test(size)) {
    throw new ValidationError(
      `'${field}' must be an Azure VM size such as STANDARD_DS3_V2 (Standard_ followed by letters, digits and '_'); got '${preview(size)}'.`,
      field,
    );
  }
  return size.toUpperCase();
}

/** Seconds from an ISO 8601 duration (`PT120S`, `PT2M`) or a number of seconds; 0 is allowed. */
function idleSeconds(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '')
    return COMPUTE_DEFAULTS.idleSecondsBeforeScaleDown;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const match =
    typeof value === 'string' ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i.exec(value.trim()) : null;
  if (match && value !== 'PT') {
    const [, h = '0', m = '0', s = '0'] = match;
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  throw new ValidationError(
    `'${field}' must be an ISO 8601 duration such as PT120S (or whole seconds, 0 or more); got ${JSON.stringify(value)}.`,
    field,
  );
}

/** The compute an ARM body (Azure's ComputeResource with an AmlCompute) describes, Azure's defaults filled. */
export function readComputeBody(name: string, body: Json, systemData: SystemData): Compute {
  const props = optionalObject(prop(body, 'properties'), 'properties') ?? {};
  const type = optionalString(prop(props, 'computeType'), 'properties.computeType') ?? 'AmlCompute';
  if (type.toLowerCase() !== 'amlcompute') {
    throw new ValidationError(
      `'properties.computeType' must be AmlCompute (the only compute type Nightshift runs); got '${preview(type)}'.`,
      'properties.computeType',
    );
  }
  const inner = optionalObject(prop(props, 'properties'), 'properties.properties') ?? {};
  const scale = optionalObject(prop(inner, 'scaleSettings'), 'properties.properties.scaleSettings') ?? {};
  const field = (key: string) => `properties.properties.scaleSettings.${key}`;
  const count = (key: string, fallback: number) =>
    optionalInteger(prop(scale, key), field(key), { min: 0, max: MAX_NODES }) ?? fallback;
  const minNodeCount = count('minNodeCount', COMPUTE_DEFAULTS.minNodeCount);
  const maxNodeCount = count('maxNodeCount', COMPUTE_DEFAULTS.maxNodeCount);
  if (maxNodeCount < 1) {
    throw new ValidationError(
      `'${field('maxNodeCount')}' must be at least 1, or no job could run on the compute; got ${maxNodeCount}.`,
      field('maxNodeCount'),
    );
  }
  if (minNodeCount > maxNodeCount) {
    throw new ValidationError(
      `'${field('minNodeCount')}' (${minNodeCount}) must not be more than '${field('maxNodeCount')}' (${maxNodeCount}); lower min_instances or raise max_instances.`,
      field('minNodeCount'),
    );
  }
  return {
    name,
    description: optionalDescription(prop(props, 'description'), 'properties.description') ?? '',
    tags: tagMap(prop(body, 'tags'), 'tags'),
    vmSize: vmSize(prop(inner, 'vmSize'), 'properties.properties.vmSize'),
    minNodeCount,
    maxNodeCount,
    idleSecondsBeforeScaleDown: idleSeconds(
      prop(scale, 'nodeIdleTimeBeforeScaleDown'),
      field('nodeIdleTimeBeforeScaleDown'),
    ),
    provisioningState: 'Succeeded',
    systemData,
  };
}
