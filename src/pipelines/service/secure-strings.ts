/**
 * SecureString values of a pipeline definition (contract 12): inline `{"type": "SecureString", "value"}`
 * objects anywhere in the activities (WebActivity authentication, headers, bodies) and the default values of
 * SecureString parameters are stored sealed by the secret box, shown as `***` by every read, as Data Factory
 * does, and opened only for a run. A PUT that sends `***` back (a definition read, edited and saved) keeps
 * the secret stored at that place. Definitions stored before sealing existed still run: only sealed text is
 * opened.
 */
import { ValidationError } from '../../core/errors.ts';
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import type { PipelineProperties } from '../definition/model.ts';
import { locateInDefinition } from '../definition/nesting-check.ts';
import { formatPath } from '../nesting.ts';

/** What reads show instead of a secret. */
const SECRET_MASK = '***';

type Path = (string | number)[];
/** Replaces one secret text; `path` leads from the properties to the text. */
type SecretMap = (text: string, path: Path) => string;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSecureType(type: unknown): boolean {
  return typeof type === 'string' && type.toLowerCase() === 'securestring';
}

/** A copy of `properties` with every SecureString text passed through `map`; definitions nest ≤ 64 deep. */
function mapSecrets(properties: PipelineProperties, map: SecretMap): PipelineProperties {
  const walk = (value: unknown, path: Path): unknown => {
    if (Array.isArray(value)) return value.map((item: unknown, i) => walk(item, [...path, i]));
    if (!isRecord(value)) return value;
    if (isSecureType(value['type']) && typeof value['value'] === 'string') {
      return { ...value, value: map(value['value'], [...path, 'value']) };
    }
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = walk(inner, [...path, key]);
    return copy;
  };
  const copy = walk(properties, []) as PipelineProperties;
  const parameters = copy.parameters;
  if (!isRecord(parameters)) return copy;
  for (const [name, spec] of Object.entries(parameters)) {
    if (isRecord(spec) && isSecureType(spec['type']) && typeof spec['defaultValue'] === 'string') {
      spec['defaultValue'] = map(spec['defaultValue'], ['parameters', name, 'defaultValue']);
    }
  }
  return copy;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path)
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

/**
 * The properties to store: secrets sealed; `***` keeps the sealed secret `previous` has at the same place,
 * and is refused (400 naming the place) where it has none.
 */
export function sealSecureStrings(
  properties: PipelineProperties,
  box: SecretBox,
  previous: PipelineProperties | undefined,
): PipelineProperties {
  return mapSecrets(properties, (text, path) => {
    if (text !== SECRET_MASK) return box.seal(text);
    const kept = valueAt(previous, path);
    if (box.isSealed(kept)) return kept;
    const { activity, property } = locateInDefinition({ properties }, ['properties', ...path]);
    const where = `${activity === undefined ? '' : `Activity '${activity}': `}${formatPath(property)}`;
    throw new ValidationError(
      `${where} is '${SECRET_MASK}', the mask reads show for a SecureString, and the stored pipeline has no secret there to keep; send the secret itself.`,
      formatPath(property),
    );
  });
}

/** What reads return: every secret replaced by `***`. */
export function maskSecureStrings(properties: PipelineProperties): PipelineProperties {
  return mapSecrets(properties, () => SECRET_MASK);
}

/** What a run gets: sealed secrets opened; text stored before sealing existed is used as it is. */
export function openSecureStrings(properties: PipelineProperties, box: SecretBox): PipelineProperties {
  return mapSecrets(properties, (text) => (box.isSealed(text) ? box.open(text) : text));
}
