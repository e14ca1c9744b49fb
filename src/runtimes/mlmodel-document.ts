/**
 * The part of reading an MLflow `MLmodel` file that every runtime shares: parse the YAML and find the
 * `flavors` section, with errors that name the file. The onnx and python runtimes read their own flavor
 * and the signature from what this returns.
 */
import { parse } from 'yaml';

export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `where` names the file in error messages. */
export function parseMlmodelDocument(
  text: string,
  where: string,
): { root: Record<string, unknown>; flavors: Record<string, unknown> } {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const root = record(document);
  const flavors = record(root?.flavors);
  if (root === undefined || flavors === undefined) throw new Error(`${where} has no 'flavors' section.`);
  return { root, flavors };
}
