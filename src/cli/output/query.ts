/**
 * `--query` support: a real JMESPath evaluation (the `jmespath` package, the JS port of the library
 * az uses), applied to the command's result before any formatting, as az does.
 *
 * JMESPath errors come back as plain Errors whose `name` tells a syntax problem (the query can never
 * work) from an evaluation problem (a function got the wrong type for this particular result); the
 * two get different wording so the user knows whether to fix the query or look at the data.
 */
import { search } from 'jmespath';

import { OutputError } from './output-error.ts';

const SYNTAX_ERRORS = new Set(['LexerError', 'ParserError', 'SyntaxError']);

/** Evaluates `query` against `value`; a missing match is null, as in JMESPath. */
export function applyQuery(value: unknown, query: string): unknown {
  if (query.trim() === '') throw new OutputError('InvalidQuery', 'argument --query: the query is empty');
  try {
    return search(value, query) as unknown;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const message = SYNTAX_ERRORS.has(error.name)
      ? `argument --query: invalid JMESPath query '${query}': ${error.message}`
      : `argument --query: JMESPath query '${query}' failed: ${error.message}`;
    throw new OutputError('InvalidQuery', message, { cause: err });
  }
}
