/**
 * Name rules for workspace resources. Endpoint and deployment names follow the Azure ML SDK validator
 * (3–32 characters, a letter first, letters, digits and hyphens, no trailing hyphen); asset names and
 * versions follow the looser ARM rules. Every failure names the field and says what is allowed.
 */
import { ValidationError } from './errors.ts';
import { preview } from './limits.ts';

const ENDPOINT_NAME = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/;
const VERSION = /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,49}$/;

export function checkEndpointName(name: unknown, field = 'name', what = 'endpoint'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(`A ${what} name is required: set '${field}'.`, field);
  }
  if (name.length < 3 || name.length > 32 || !ENDPOINT_NAME.test(name)) {
    throw new ValidationError(
      `Invalid ${what} name '${preview(name)}' in '${field}': use 3 to 32 characters, start with a letter, ` +
        `and use only letters, digits and '-' (not at the end).`,
      field,
    );
  }
  return name;
}

export function checkDeploymentName(name: unknown, field = 'name'): string {
  return checkEndpointName(name, field, 'deployment');
}

export function checkAssetName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !ASSET_NAME.test(name)) {
    throw new ValidationError(
      `Invalid name '${preview(String(name))}' in '${field}': use 1 to 255 characters (letters, digits, '-', '_' and '.'), starting with a letter or digit.`,
      field,
    );
  }
  return name;
}

export function checkVersion(version: unknown, field = 'version'): string {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !VERSION.test(text)) {
    throw new ValidationError(
      `Invalid version '${preview(String(version))}' in '${field}': use 1 to 50 characters (letters, digits, '-', '_' and '.'), starting with a letter or digit.`,
      field,
    );
  }
  return text;
}

/** Orders versions the way users expect: numerically when both are numbers, else as text. */
export function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}
