/**
 * The pipelines inside a ZIP upload: a template-gallery zip (`<Name>.json` ARM template plus
 * `manifest.json`), an ADF export zip (ARM template plus its parameters file, used when the caller passes
 * none), a zipped Git folder, or a Fabric item folder (`pipeline-content.json` next to `.platform`). JSON
 * files that are not pipelines (linked services, datasets, triggers) and other files (icons) are skipped.
 */
import { isArmParametersFile } from './arm-template.ts';
import type { RawPipeline } from './arm-template.ts';
import { fail, findPipelines, type TemplateManifest } from './containers.ts';
import { isJsonObject, parseJsonFile } from './json-text.ts';
import { readZip, type ZipEntry } from './zip-reader.ts';

export interface ZipArchivePipelines {
  pipelines: (RawPipeline & { file: string })[];
  manifest?: TemplateManifest;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function isPipelineCandidate(document: unknown): boolean {
  if (!isJsonObject(document)) return false;
  if (Array.isArray(document['resources'])) return true;
  const properties = document['properties'];
  return isJsonObject(properties) && Array.isArray(properties['activities']);
}

export async function loadZipArchive(
  bytes: Uint8Array,
  fileName: string,
  armParameters: unknown,
): Promise<ZipArchivePipelines> {
  const entries = (await readZip(bytes, fileName)).filter((entry) => !entry.name.startsWith('__MACOSX/'));
  const documents = new Map<string, unknown>();
  let manifest: TemplateManifest | undefined;
  let parameters = armParameters;
  for (const entry of entries) {
    if (!entry.name.toLowerCase().endsWith('.json')) continue;
    const document = parseJsonFile(entry.data, `${fileName}:${entry.name}`);
    if (baseName(entry.name).toLowerCase() === 'manifest.json') {
      if (manifest === undefined && isJsonObject(document)) manifest = document;
    } else if (isArmParametersFile(document)) {
      parameters ??= document;
    } else {
      documents.set(entry.name, document);
    }
  }
  const pipelines: ZipArchivePipelines['pipelines'] = [];
  for (const [name, document] of documents) {
    if (!isPipelineCandidate(document)) continue;
    const file = `${fileName}:${name}`;
    const platform = platformNextTo(entries, name);
    const options =
      platform === undefined
        ? { fileName: file, armParameters: parameters }
        : { fileName: file, armParameters: parameters, platform };
    for (const raw of findPipelines(document, file, options).raws) pipelines.push({ ...raw, file });
  }
  if (pipelines.length === 0) {
    const listed = entries.map((entry) => entry.name).join(', ') || 'no files';
    fail(
      fileName,
      `${fileName} holds no pipeline definition (it has ${listed}); a template zip needs the pipeline JSON next to manifest.json.`,
    );
  }
  return manifest === undefined ? { pipelines } : { pipelines, manifest };
}

function platformNextTo(entries: ZipEntry[], path: string): Uint8Array | undefined {
  const wanted = `${folderOf(path)}.platform`;
  return entries.find((entry) => entry.name === wanted)?.data;
}
