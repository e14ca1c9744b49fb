/**
 * Reads pipeline definitions from every container Data Factory and Fabric produce (spec §1.1): Git JSON
 * `{name, properties}`, the REST resource, ARM templates (possibly holding several pipelines), Fabric
 * `pipeline-content.json` with its `.platform`, and template-gallery zips with `manifest.json`. The loader
 * only finds pipelines and checks their outer shape; it keeps every property as written (unknown ones
 * included) so a definition round-trips, and leaves the rules to validate.ts.
 */
import type { PipelineDefinition, PipelineProperties } from './model.ts';
import type { RawPipeline } from './arm-template.ts';
import {
  fail,
  describe,
  findPipelines,
  type ContainerFormat,
  type LoadOptions,
  type TemplateManifest,
} from './containers.ts';
import { isJsonObject, parseJsonFile } from './json-text.ts';
import { loadZipArchive } from './zip-archive.ts';
import { assertDefinitionNesting } from './nesting-check.ts';
import { looksLikeZip } from './zip-reader.ts';

export type { ContainerFormat, LoadOptions, TemplateManifest } from './containers.ts';

export interface LoadedPipelines {
  format: ContainerFormat;
  pipelines: PipelineDefinition[];
  manifest?: TemplateManifest;
}

/** Reads a file's bytes (or text): a zip or any JSON container. Async because zips are read by yauzl. */
export async function loadPipelines(
  content: Uint8Array | string,
  options: LoadOptions = {},
): Promise<LoadedPipelines> {
  const fileName = options.fileName ?? 'the pipeline file';
  if (typeof content !== 'string' && looksLikeZip(content)) {
    const archive = await loadZipArchive(content, fileName, options.armParameters);
    const pipelines = archive.pipelines.map((raw) => toDefinition(raw, raw.file));
    checkUniqueNames(pipelines, fileName);
    return archive.manifest === undefined
      ? { format: 'zip', pipelines }
      : { format: 'zip', pipelines, manifest: archive.manifest };
  }
  return loadPipelineDocument(parseJsonFile(content, fileName), options);
}

/** Reads an already-parsed JSON document (an API request body, for instance). */
export function loadPipelineDocument(document: unknown, options: LoadOptions = {}): LoadedPipelines {
  const fileName = options.fileName ?? 'the pipeline file';
  const { format, raws } = findPipelines(document, fileName, options);
  const pipelines = raws.map((raw) => toDefinition(raw, fileName));
  checkUniqueNames(pipelines, fileName);
  return { format, pipelines };
}

/** Checks the outer shape the rest of the code relies on; a missing activity list is read as empty. */
function toDefinition(raw: RawPipeline, fileName: string): PipelineDefinition {
  const where = raw.name === '' ? fileName : `Pipeline '${raw.name}' in ${fileName}`;
  // ARM parameter values are substituted into the properties, so they are checked again once resolved.
  assertDefinitionNesting({ properties: raw.properties }, fileName);
  if (raw.name === '') fail(fileName, `${fileName} has a pipeline without a name: set "name".`);
  if (!isJsonObject(raw.properties)) {
    fail(fileName, `${where} has no "properties" object: the activities and parameters go there.`);
  }
  const properties = raw.properties;
  if (properties['activities'] === undefined) {
    const type = properties['type'];
    if (typeof type === 'string') {
      fail(
        fileName,
        `${where} is a '${type}' definition (a linked service, dataset or trigger?), not a pipeline.`,
      );
    }
    properties['activities'] = [];
  }
  if (!Array.isArray(properties['activities'])) {
    fail(
      fileName,
      `${where}: properties.activities must be a list of activities, not ${describe(properties['activities'])}.`,
    );
  }
  return { name: raw.name, properties: properties as PipelineProperties };
}

function checkUniqueNames(pipelines: PipelineDefinition[], fileName: string): void {
  const seen = new Map<string, string>();
  for (const pipeline of pipelines) {
    const other = seen.get(pipeline.name.toLowerCase());
    if (other !== undefined) {
      fail(
        fileName,
        `${fileName} holds two pipelines named '${other}' and '${pipeline.name}'; pipeline names ignore case, rename one.`,
      );
    }
    seen.set(pipeline.name.toLowerCase(), pipeline.name);
  }
}
