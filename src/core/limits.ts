/**
 * Size limits of the free text users attach to resources, as Azure sets them: tags follow Azure Resource
 * Manager (at most 50 per resource, names up to 512 and values up to 256 characters), descriptions follow
 * Azure ML's model registry (5,000 characters). Checked before anything is stored, so an oversized value is
 * a 400 naming the field and the limit, never a megabyte riding along in every list.
 */
import { ValidationError } from './errors.ts';
import { optionalString, stringMap } from './wire-values.ts';

const MAX_DESCRIPTION = 5000;
const MAX_TAGS = 50;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;

/** A long value cut for a message, so an error never echoes kilobytes back. */
export function preview(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export function optionalDescription(value: unknown, field: string): string | undefined {
  const text = optionalString(value, field);
  if (text !== undefined && text.length > MAX_DESCRIPTION) {
    throw new ValidationError(
      `'${field}' has ${text.length} characters; a description may have at most ${MAX_DESCRIPTION}.`,
      field,
    );
  }
  return text;
}

export function tagMap(value: unknown, field: string): Record<string, string> {
  const tags = stringMap(value, field);
  const names = Object.keys(tags);
  if (names.length > MAX_TAGS) {
    throw new ValidationError(
      `'${field}' has ${names.length} tags; a resource may have at most ${MAX_TAGS}.`,
      field,
    );
  }
  for (const [name, text] of Object.entries(tags)) {
    if (name.length > MAX_TAG_NAME) {
      throw new ValidationError(
        `'${field}' has a tag name of ${name.length} characters ('${preview(name, 40)}'); tag names may have at most ${MAX_TAG_NAME}.`,
        field,
      );
    }
    if (text.length > MAX_TAG_VALUE) {
      throw new ValidationError(
        `'${field}.${preview(name, 40)}' has ${text.length} characters; tag values may have at most ${MAX_TAG_VALUE}.`,
        `${field}.${name}`,
      );
    }
  }
  return tags;
}
