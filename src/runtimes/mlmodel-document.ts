/**
 * The part of reading an MLflow `MLmodel` file that every runtime shares: parse the YAML and find the
 * `flavors` section, with errors that name the file. The onnx and python runtimes read their own flavor
 * and the signature from what this returns. The file comes from a registered model, so its YAML is
 * parsed as any YAML the server is handed (core/spec/yaml-data.ts): alias expansion is bounded and a
 * document that refers to itself is refused, rather than hanging or overflowing whoever walks it.
 */
import { parseYamlData } from '../core/spec/yaml-data.ts';

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
  const parsed = parseYamlData(text);
  if (!parsed.ok) throw new Error(`${where} is not valid YAML: ${parsed.reason}`);
  const root = record(parsed.value);
  const flavors = record(root?.flavors);
  if (root === undefined || flavors === undefined) throw new Error(`${where} has no 'flavors' section.`);
  return { root, flavors };
}
