/**
 * Specs that do not come from a file: `model create --name --path --type` builds its document from
 * flags, and `update` without `--file` starts from the resource as the server returns it, as az does.
 * Both then take `--set` overrides and go through the same readers as a YAML file, so every check and
 * message is the same; only the location differs (a label instead of file:line).
 */
import { stringify } from 'yaml';
import { parseYamlSpec, type YamlSpecSource } from '../../core/spec/yaml-source.ts';

/**
 * A spec source over an in-memory document. `label` names it in messages (`batch endpoint 'x'`);
 * relative paths resolve against `baseDir` (the current directory for flags).
 */
export function documentSource(
  doc: Record<string, unknown>,
  label: string,
  sets: readonly string[] = [],
  baseDir: string = process.cwd(),
): YamlSpecSource {
  const parsed = parseYamlSpec(stringify(doc), label, sets);
  // The generated text has no lines a user could open, so nothing is located in it.
  return { ...parsed, baseDir, locate: () => undefined };
}

/** Drops undefined and null fields so the document only holds what was given. */
export function compact(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined && v !== null));
}
