/**
 * Recognises which container a parsed JSON document is (spec §1.1) and takes the pipelines out of it, named
 * as the container dictates: `name` for Git and REST, the resource name for ARM, `.platform`
 * metadata.displayName for Fabric. Shared by the single-file loader and the zip reader.
 */
import {
  isArmParametersFile,
  isArmTemplate,
  pipelinesFromArmTemplate,
  type RawPipeline,
} from './arm-template.ts';
import { PipelineDefinitionError } from './errors.ts';
import { isJsonObject, parseJsonFile } from './json-text.ts';
import { assertDefinitionNesting } from './nesting-check.ts';

export type ContainerFormat = 'git' | 'rest' | 'arm' | 'fabric' | 'zip';

/** manifest.json of a template-gallery zip; all fields kept, the common ones typed. */
export interface TemplateManifest {
  name?: string;
  description?: string;
  [extra: string]: unknown;
}

export interface LoadOptions {
  /** Name of the file being read: used in messages, and to name a Fabric pipeline from its folder. */
  fileName?: string;
  /** ARM parameter values: a deployment parameters file (`{parameters: {x: {value}}}`) or a `{x: value}` map. */
  armParameters?: unknown;
  /** Fabric: the `.platform` file that sits next to pipeline-content.json (bytes, text or parsed JSON). */
  platform?: Uint8Array | string | Record<string, unknown>;
  /** Name for a Fabric pipeline when neither `.platform` nor the folder name gives one. */
  name?: string;
}

export function fail(fileName: string, message: string): never {
  throw new PipelineDefinitionError(message, [{ property: fileName, message }]);
}

export function findPipelines(
  document: unknown,
  fileName: string,
  options: LoadOptions,
): { format: ContainerFormat; raws: RawPipeline[] } {
  if (!isJsonObject(document)) {
    return fail(fileName, `${fileName} must hold a JSON object, not ${describe(document)}.`);
  }
  assertDefinitionNesting(document, fileName);
  if (isArmParametersFile(document)) {
    return fail(
      fileName,
      `${fileName} is an ARM parameters file: import the ARM template and pass this file as its ARM parameters.`,
    );
  }
  if (isArmTemplate(document)) {
    const raws = pipelinesFromArmTemplate(document, fileName, options.armParameters);
    if (raws.length === 0) {
      fail(
        fileName,
        `The ARM template ${fileName} holds no resource of type Microsoft.DataFactory/factories/pipelines.`,
      );
    }
    return { format: 'arm', raws };
  }
  if (isJsonObject(document['properties'])) {
    const name = document['name'];
    if (typeof name === 'string') {
      const rest = 'id' in document || 'etag' in document;
      return { format: rest ? 'rest' : 'git', raws: [{ name, properties: document['properties'] }] };
    }
    if (name === undefined) {
      const raws = [{ name: fabricName(fileName, options), properties: document['properties'] }];
      return { format: 'fabric', raws };
    }
  }
  if (isJsonObject(document['metadata']) && isJsonObject(document['config'])) {
    return fail(
      fileName,
      `${fileName} is a Fabric .platform file: import pipeline-content.json and pass this file as its platform.`,
    );
  }
  return fail(
    fileName,
    `${fileName} is not a pipeline definition: expected {"name", "properties"} (Data Factory Git or REST), an ARM ` +
      'template with "resources", or a Fabric pipeline-content.json with "properties".',
  );
}

/** The name of a Fabric pipeline: `.platform` metadata.displayName, else the option, else the folder name. */
function fabricName(fileName: string, options: LoadOptions): string {
  if (options.platform !== undefined) {
    const source = options.platform;
    const platform =
      typeof source === 'string' || source instanceof Uint8Array
        ? parseJsonFile(source, '.platform')
        : source;
    const metadata = isJsonObject(platform) ? platform['metadata'] : undefined;
    const displayName = isJsonObject(metadata) ? metadata['displayName'] : undefined;
    if (typeof displayName === 'string' && displayName !== '') return displayName;
    fail(
      '.platform',
      'The Fabric .platform file has no metadata.displayName: add it, or give the pipeline a name.',
    );
  }
  if (options.name !== undefined) return options.name;
  const folder = /([^/\\]+)\.DataPipeline[/\\][^/\\]+$/i.exec(fileName)?.[1];
  if (folder !== undefined) return folder;
  return fail(
    fileName,
    `${fileName} has "properties" but no "name" (a Fabric pipeline-content.json?): pass its .platform file, or give the pipeline a name.`,
  );
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${JSON.stringify(value)}`;
}
