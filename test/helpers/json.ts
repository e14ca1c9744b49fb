/**
 * Reading fields of JSON answers in tests with a JMESPath expression (`properties.defaults.deploymentName`,
 * `value[].name`), the same language `--query` uses, so assertions stay short without casting.
 */
import { search } from 'jmespath';

export function at(value: unknown, path: string): unknown {
  return search(value as Parameters<typeof search>[0], path) as unknown;
}
