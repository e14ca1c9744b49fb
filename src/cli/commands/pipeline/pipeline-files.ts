/**
 * Reads pipeline definitions from local files for `pipeline import` and `pipeline create`, with the
 * loader the server uses, so every container it knows works from the command line (Git JSON, REST, ARM
 * templates, Fabric, template-gallery zips). A Fabric `pipeline-content.json` takes its name from the
 * `.platform` file beside it. Definitions are validated here too, before anything is sent, so importing a
 * file either stores all of its pipelines or none and reports every problem of every pipeline at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../../client.ts';
import { PipelineDefinitionError, type DefinitionProblem } from '../../../pipelines/definition/errors.ts';
import { loadPipelines, type LoadOptions } from '../../../pipelines/definition/loader.ts';
import type { PipelineDefinition } from '../../../pipelines/definition/model.ts';
import { validatePipeline } from '../../../pipelines/definition/validate.ts';
import { createExpressionEngine } from '../../../pipelines/expressions/engine.ts';

export interface PipelineFileOptions {
  /** The name to give the pipeline; only for a file holding one pipeline. */
  name?: string | undefined;
  /** A file of ARM parameter values, for ARM templates that use `[parameters('...')]`. */
  armParameters?: string | undefined;
}

function readLocal(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new CliError(`Cannot read ${what} ${path}: ${reason}.`, { exitCode: 2 });
  }
}

function loadOptions(file: string, options: PipelineFileOptions): LoadOptions {
  const load: LoadOptions = { fileName: file };
  if (options.name !== undefined) load.name = options.name;
  if (options.armParameters !== undefined) {
    const text = readLocal(options.armParameters, 'the ARM parameters file').toString('utf8');
    try {
      load.armParameters = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    } catch (error) {
      throw new CliError(
        `The ARM parameters file ${options.armParameters} is not valid JSON: ${(error as Error).message}`,
        { exitCode: 2 },
      );
    }
  }
  const platform = join(dirname(file), '.platform');
  if (basename(file).toLowerCase() === 'pipeline-content.json' && existsSync(platform)) {
    load.platform = readLocal(platform, 'the Fabric .platform file');
  }
  return load;
}

/** Every pipeline in the file, renamed to `--name` when it holds exactly one. */
export async function readPipelineFile(
  file: string,
  options: PipelineFileOptions = {},
): Promise<PipelineDefinition[]> {
  const { pipelines } = await loadPipelines(readLocal(file, 'the pipeline file'), loadOptions(file, options));
  const { name } = options;
  if (name === undefined) return pipelines;
  const [only] = pipelines;
  if (pipelines.length !== 1 || only === undefined) {
    const names = pipelines.map((p) => p.name).join(', ');
    throw new CliError(
      `--name renames the pipeline of a file that holds one; ${file} holds ${pipelines.length} (${names}). Leave --name out to import them under their own names.`,
      { exitCode: 2 },
    );
  }
  return [{ name, properties: only.properties }];
}

/** Throws one error listing the problems of every pipeline, as the server would for each. */
export function assertValidPipelines(pipelines: readonly PipelineDefinition[], source: string): void {
  const engine = createExpressionEngine();
  const problems: DefinitionProblem[] = [];
  const headed: string[] = [];
  for (const pipeline of pipelines) {
    const found = validatePipeline(pipeline, { checkExpressions: (value) => engine.check(value) });
    if (found.length === 0) continue;
    problems.push(...found);
    headed.push(`Pipeline '${pipeline.name}':`, ...found.map((problem) => `- ${problem.message}`));
  }
  if (problems.length === 0) return;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new PipelineDefinitionError(
    [`${source} is not valid (${count}); nothing was imported.`, ...headed].join('\n'),
    problems,
  );
}
