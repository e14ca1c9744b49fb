/**
 * Builders for the engine-style error messages of spec §3.7. The wording follows the real engine where the
 * spec quotes it (missing property, unknown variable, unknown activity, item() outside a loop) and the same
 * "The template language function '…' expects …" family elsewhere, so users who search for an error text
 * find the Data Factory answers. Every error is an ExpressionError with code InvalidTemplate, which is the
 * error code Data Factory reports on the owning activity.
 */
import { ExpressionError } from './contract.ts';
import { kindOf, type Value } from './values.ts';

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

function ordinal(index: number): string {
  return ORDINALS[index] ?? `${index + 1}th`;
}

/** "its parameter" for one-parameter functions, "its second parameter" otherwise. */
function parameterPhrase(index: number, parameterCount: number): string {
  return parameterCount === 1 ? 'its parameter' : `its ${ordinal(index)} parameter`;
}

/** Longer sources are shortened in messages, so a hostile 60 KB expression does not fill the error. */
const MAX_QUOTED_SOURCE = 300;

export function syntaxError(source: string, detail: string, position: number): ExpressionError {
  const quoted =
    source.length <= MAX_QUOTED_SOURCE
      ? source
      : `${source.slice(0, MAX_QUOTED_SOURCE - 50)}…${source.slice(-40)}`;
  return new ExpressionError(
    `The template language expression '${quoted}' is not valid: ${detail} at position '${position}'.`,
  );
}

export function unknownFunctionError(name: string): ExpressionError {
  return new ExpressionError(`The template function '${name}' is not defined or not valid.`);
}

export function arityError(name: string, min: number, max: number, given: number): ExpressionError {
  let expected: string;
  if (min === max) expected = `${min} parameter(s)`;
  else if (max === Infinity) expected = `at least ${min} parameter(s)`;
  else expected = `between ${min} and ${max} parameter(s)`;
  return new ExpressionError(
    `The template language function '${name}' expects ${expected}. The function was invoked with '${given}' parameter(s).`,
  );
}

export function argumentTypeError(
  name: string,
  index: number,
  parameterCount: number,
  expected: string,
  value: Value,
): ExpressionError {
  return new ExpressionError(
    `The template language function '${name}' expects ${parameterPhrase(index, parameterCount)} to be ${expected}. The provided value is of type '${kindOf(value)}'.`,
  );
}

export function invalidArgumentError(name: string, detail: string): ExpressionError {
  return new ExpressionError(
    `The template language function '${name}' was invoked with a parameter that is not valid. ${detail}`,
  );
}

export function missingPropertyError(
  source: string,
  property: string,
  available: readonly string[],
): ExpressionError {
  return new ExpressionError(
    `The template language expression '${source}' cannot be evaluated because property '${property}' doesn't exist, available properties are '${available.join(', ')}'.`,
  );
}

export function propertySelectionError(source: string, property: string, value: Value): ExpressionError {
  return new ExpressionError(
    `The template language expression '${source}' cannot be evaluated because property '${property}' cannot be selected. Property selection is not supported on values of type '${kindOf(value)}'.`,
  );
}

export function indexOutOfBoundsError(source: string, index: string, length: number): ExpressionError {
  return new ExpressionError(
    `The template language expression '${source}' cannot be evaluated because array index '${index}' is outside bounds (0, ${length - 1}) of array.`,
  );
}

export function indexTypeError(source: string, index: Value, target: Value): ExpressionError {
  return new ExpressionError(
    `The template language expression '${source}' cannot be evaluated because an index of type '${kindOf(index)}' cannot be applied to a value of type '${kindOf(target)}'.`,
  );
}

export function unknownVariableError(name: string): ExpressionError {
  return new ExpressionError(
    `Template language expression cannot be evaluated: the template variable '${name}' cannot be found.`,
  );
}

export function unknownActivityError(name: string): ExpressionError {
  return new ExpressionError(`The template action '${name}' is not defined at current scope.`);
}

export function notExpectedHereError(name: string): ExpressionError {
  return new ExpressionError(`The template function '${name}' is not expected at this location.`);
}

export function invalidTimestampError(name: string, text: string): ExpressionError {
  return new ExpressionError(
    `In function '${name}', the value provided for date time string '${text}' was not valid. The datetime string must match ISO 8601 format.`,
  );
}

export function invalidFormatError(name: string, format: string): ExpressionError {
  return new ExpressionError(
    `The template language function '${name}' was invoked with a format '${format}' that is not valid.`,
  );
}
