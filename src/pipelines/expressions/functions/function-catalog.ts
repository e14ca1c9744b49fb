/**
 * The complete function table (spec §3.5 and §3.3): the 84 documented functions, the scope functions and
 * their aliases, keyed by lower-case name so calls ignore case (`startswith`, `@CONCAT`, `utcnow`).
 */
import { collectionFunctions } from './collections.ts';
import { conversionFunctions } from './conversion.ts';
import { dateFunctions } from './dates.ts';
import { encodingFunctions } from './encoding.ts';
import type { FunctionCatalog, FunctionDefinition } from './function-types.ts';
import { logicalFunctions } from './logical.ts';
import { mathFunctions } from './math.ts';
import { scopeFunctions } from './scope.ts';
import { stringFunctions } from './strings.ts';
import { xmlFunctions } from './xml.ts';

export function createFunctionCatalog(): FunctionCatalog {
  const definitions: FunctionDefinition[] = [
    ...stringFunctions(),
    ...collectionFunctions(),
    ...logicalFunctions(),
    ...conversionFunctions(),
    ...encodingFunctions(),
    ...xmlFunctions(),
    ...mathFunctions(),
    ...dateFunctions(),
    ...scopeFunctions(),
  ];
  return new Map(definitions.map((definition) => [definition.name.toLowerCase(), definition]));
}
