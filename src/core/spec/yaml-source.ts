/**
 * Loads an Azure ML style YAML spec (endpoint, deployment, model, data, inputs) into a plain document
 * while keeping the parsed syntax tree, so that any later check can point at the file, line and column
 * of the field it rejects instead of just naming it.
 *
 * The steps mirror `az ml ... create -f file.yml --set k=v`: read the file, parse one YAML document
 * whose top level must be a mapping, drop `$schema` (it only serves editors), then apply the `--set`
 * overrides in order. Values that came from `--set` have no line in the file, so `locate` reports
 * nothing for them and errors say "(from --set)" instead of pointing at a stale line.
 *
 * Parsing uses YAML 1.2 core rules (as the `yaml` package does by default) plus `<<` merge keys; only
 * YAML 1.1 oddities such as `yes`/`no` booleans read differently from PyYAML, and those never occur
 * in Azure's samples.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

import { fieldPathKey, parseFieldPath, parseOverride, setAtPath } from './field-path.ts';
import { SpecError, type SpecErrorCode } from './spec-error.ts';
import { MAX_YAML_ALIASES, refersToItself } from './yaml-data.ts';

export interface SpecLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export interface YamlSpecSource {
  /** The document after dropping `$schema` and applying `--set` overrides. */
  doc: Record<string, unknown>;
  /** The path as the caller gave it; used in messages so they match what the user typed. */
  file: string;
  /** Absolute folder of the file; relative paths inside the spec resolve against it. */
  baseDir: string;
  /** Field paths changed by `--set`, in the order given. */
  overrides: readonly string[];
  /**
   * Where a field sits in the file: the value for scalars, the key for blocks. Undefined when the
   * field is absent or was set with `--set`.
   */
  locate(fieldPath: string): SpecLocation | undefined;
}

/** Reads and parses a spec file; throws SpecError for anything that is not a usable YAML mapping. */
export function loadYamlSpec(filePath: string, sets: readonly string[] = []): YamlSpecSource {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (err) {
    throw readFailure(filePath, err);
  }
  return parseYamlSpec(text, filePath, sets);
}

/** Same as loadYamlSpec for text already in memory; `file` names it in messages and sets baseDir. */
export function parseYamlSpec(text: string, file: string, sets: readonly string[] = []): YamlSpecSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
    logLevel: 'error',
  });
  const at = (offset: number): SpecLocation => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  const firstError = document.errors[0];
  if (firstError !== undefined) {
    throw new SpecError({ code: 'InvalidSpec', file, ...at(firstError.pos[0]), reason: firstError.message });
  }
  const contents = document.contents;
  if (!isMap(contents)) {
    const found = contents === null ? 'an empty document' : describeNode(contents);
    const where = contents?.range ? at(contents.range[0]) : {};
    throw new SpecError({
      code: 'InvalidSpec',
      file,
      ...where,
      reason: `expected a mapping, found ${found}`,
    });
  }

  const doc = toPlainMapping(document, file);
  delete doc.$schema;
  const overrides = applyOverrides(doc, sets, file);

  return {
    doc,
    file,
    baseDir: dirname(resolve(file)),
    overrides,
    locate(fieldPath) {
      const segments = parseFieldPath(fieldPath);
      if (segments === undefined || isOverridden(overrides, fieldPath)) return undefined;
      const offset = findOffset(document, segments);
      return offset === undefined ? undefined : at(offset);
    },
  };
}

/**
 * Builds a SpecError about one field of a loaded spec, carrying the field's line and column. When the
 * field itself is missing, the nearest enclosing field that exists gives the position instead.
 */
export function specFieldError(
  source: YamlSpecSource,
  fieldPath: string,
  message: string,
  code: SpecErrorCode = 'InvalidSpec',
): SpecError {
  const fromSet = isOverridden(source.overrides, fieldPath);
  let location: SpecLocation | undefined;
  if (!fromSet) {
    const parts = fieldPath.split('.');
    for (let n = parts.length; n > 0 && location === undefined; n--) {
      location = source.locate(parts.slice(0, n).join('.'));
    }
  }
  return new SpecError({
    code,
    file: source.file,
    line: location?.line,
    column: location?.column,
    field: fieldPath,
    fromSet,
    reason: message,
  });
}

/** True when `fieldPath` or one of its parents was assigned by `--set` (`a[0]` and `a.0` are equal). */
function isOverridden(overrides: readonly string[], fieldPath: string): boolean {
  const key = fieldPathKey(parseFieldPath(fieldPath) ?? []);
  return overrides.some((set) => {
    const setKey = fieldPathKey(parseFieldPath(set) ?? []);
    return key === setKey || key.startsWith(`${setKey}.`);
  });
}

function readFailure(filePath: string, err: unknown): SpecError {
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT') {
    return new SpecError({ code: 'SpecFileNotFound', file: filePath, reason: 'no such file', cause: err });
  }
  const reason = errno === 'EISDIR' ? 'is a folder, not a YAML file' : `cannot read: ${String(err)}`;
  return new SpecError({ code: 'InvalidSpec', file: filePath, reason, cause: err });
}

function toPlainMapping(document: Document, file: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as Record<string, unknown>;
  } catch (err) {
    const message = (err as Error).message;
    const reason = /excessive alias count/i.test(message)
      ? `it expands more than ${MAX_YAML_ALIASES} YAML aliases`
      : message;
    throw new SpecError({ code: 'InvalidSpec', file, reason, cause: err });
  }
  // A cycle would send every later check (and the CLI's own stringify) round it for ever.
  if (refersToItself(doc)) {
    throw new SpecError({
      code: 'InvalidSpec',
      file,
      reason: 'a YAML alias refers to its own anchor (a cycle)',
    });
  }
  return doc;
}

function applyOverrides(doc: Record<string, unknown>, sets: readonly string[], file: string): string[] {
  const applied: string[] = [];
  for (const expression of sets) {
    const parsed = parseOverride(expression);
    if (typeof parsed === 'string') {
      throw new SpecError({ code: 'InvalidSetOverride', file, reason: `--set ${parsed}` });
    }
    const problem = setAtPath(doc, parsed.segments, parsed.value);
    if (problem !== undefined) {
      throw new SpecError({
        code: 'InvalidSetOverride',
        file,
        field: parsed.path,
        fromSet: true,
        reason: problem,
      });
    }
    applied.push(parsed.path);
  }
  return applied;
}

function describeNode(node: Node): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `a ${typeof node.value}`;
  return 'an alias';
}

/** Walks the syntax tree along `segments`; returns the source offset of the field, if present. */
function findOffset(document: Document, segments: readonly (string | number)[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of segments) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return undefined;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      const item: unknown = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined) return undefined;
      node = item;
      offset = undefined;
    } else {
      return undefined;
    }
  }
  // A scalar's own position is the most useful; a block points back at its key.
  if (isScalar(node) && node.range && node.value !== null) return node.range[0];
  if ((isMap(node) || isSeq(node) || isScalar(node)) && offset === undefined) return node.range?.[0];
  return offset;
}
