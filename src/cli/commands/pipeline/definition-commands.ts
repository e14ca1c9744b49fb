/**
 * `nightshift pipeline import|create|list|show|delete` and `pipeline template list`: pipeline definitions
 * on the server. Import takes a whole file (an ARM template may hold several pipelines) or one of the
 * shipped templates built for the server being talked to; create takes a file with one pipeline. Import
 * prints a summary (name, activity count, parameters) unless `-o` or `--query` asks for the definitions.
 */
import type { Command } from 'commander';
import { CliError } from '../../client.ts';
import { buildTemplate, listTemplates } from '../../../pipelines/templates/catalog.ts';
import type { PipelineDefinition } from '../../../pipelines/definition/model.ts';
import {
  addCommonOptions,
  clientFor,
  confirmDeletion,
  outputFormat,
  printResult,
  requireOption,
  runAction,
  type CommandContext,
  type CommonOptions,
} from '../common.ts';
import { pipelineApiFor, type PipelineResource } from './pipeline-api.ts';
import { assertValidPipelines, readPipelineFile } from './pipeline-files.ts';
import { IMPORT_SUMMARY_TABLE, PIPELINE_TABLE, TEMPLATE_TABLE } from './pipeline-views.ts';

interface ImportOptions extends CommonOptions {
  file?: string;
  template?: string;
  name?: string;
  armParameters?: string;
}

interface NameOptions extends CommonOptions {
  name?: string;
}

async function putAll(
  pipelines: readonly PipelineDefinition[],
  context: CommandContext,
): Promise<PipelineResource[]> {
  const api = await pipelineApiFor(context);
  const saved: PipelineResource[] = [];
  for (const pipeline of pipelines) saved.push(await api.put(pipeline.name, pipeline.properties));
  return saved;
}

async function definitionsToImport(
  options: ImportOptions,
  serverUrl: string,
): Promise<{ pipelines: PipelineDefinition[]; source: string }> {
  if ((options.file === undefined) === (options.template === undefined)) {
    throw new CliError('usage error: give either --file or --template.', { exitCode: 2 });
  }
  if (options.template !== undefined) {
    const built = buildTemplate(options.template, {
      serverUrl,
      ...(options.name === undefined ? {} : { pipelineName: options.name }),
    });
    return { pipelines: [built], source: `Template ${options.template}` };
  }
  const file = options.file ?? '';
  return { pipelines: await readPipelineFile(file, options), source: file };
}

async function importPipelines(options: ImportOptions, context: CommandContext) {
  const { pipelines, source } = await definitionsToImport(options, context.client.server);
  assertValidPipelines(pipelines, source);
  return putAll(pipelines, context);
}

/** A new user wants to see what arrived, not hundreds of lines of JSON; scripts ask with -o or --query. */
async function importAction(options: ImportOptions, command: Command): Promise<void> {
  outputFormat(options);
  const client = clientFor(options);
  const saved = await importPipelines(options, { client, workspacePath: () => client.workspacePath() });
  if (command.getOptionValueSource('output') !== 'default' || options.query !== undefined) {
    printResult(saved, options, PIPELINE_TABLE);
    return;
  }
  printResult(saved, { ...options, output: 'table' }, IMPORT_SUMMARY_TABLE);
  const [first] = saved;
  const show = first === undefined ? '' : ` 'nightshift pipeline show -n ${first.name}' shows one;`;
  process.stderr.write(`Imported ${saved.length} pipeline(s).${show} -o json prints the full definitions.\n`);
}

async function create(options: ImportOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const pipelines = await readPipelineFile(file, options);
  const [only] = pipelines;
  if (pipelines.length !== 1 || only === undefined) {
    throw new CliError(
      `${file} holds ${pipelines.length} pipelines (${pipelines.map((p) => p.name).join(', ')}); create takes one. Use 'nightshift pipeline import --file ${file}' to import them all.`,
      { exitCode: 2 },
    );
  }
  assertValidPipelines(pipelines, file);
  const [saved] = await putAll(pipelines, context);
  return saved;
}

async function remove(options: NameOptions & { yes?: boolean }, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const api = await pipelineApiFor(context);
  await api.get(name);
  await confirmDeletion(`Delete pipeline '${name}'? Its past runs are kept.`, options.yes);
  await api.delete(name);
  return undefined;
}

export function registerDefinitionCommands(group: Command): void {
  addCommonOptions(
    group
      .command('import')
      .description(
        'Import every pipeline of a file (Git JSON, REST, ARM template, Fabric, zip) or a template.',
      ),
  )
    .option('-f, --file <file>', 'local pipeline file')
    .option('--template <name>', 'a shipped template (see `pipeline template list`)')
    .option('-n, --name <name>', 'name for the pipeline, when the file or template holds one')
    .option('--arm-parameters <file>', "ARM parameter values for a template's [parameters('...')]")
    .action(importAction);

  addCommonOptions(group.command('create').description('Create or replace one pipeline from a file.'))
    .option('-f, --file <file>', 'local pipeline file holding one pipeline')
    .option('-n, --name <name>', "pipeline name; overrides the file's")
    .option('--arm-parameters <file>', "ARM parameter values for a template's [parameters('...')]")
    .action(runAction(create, PIPELINE_TABLE));

  addCommonOptions(group.command('list').description('List pipelines.')).action(
    runAction(async (_o: CommonOptions, context) => (await pipelineApiFor(context)).list(), PIPELINE_TABLE),
  );

  addCommonOptions(group.command('show').description('Show a pipeline.'))
    .option('-n, --name <name>', 'pipeline name')
    .action(
      runAction(
        async (o: NameOptions, context) =>
          (await pipelineApiFor(context)).get(requireOption(o.name, '--name/-n')),
        PIPELINE_TABLE,
      ),
    );

  addCommonOptions(group.command('delete').description('Delete a pipeline.'))
    .option('-n, --name <name>', 'pipeline name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));

  const templates = group.command('template').description('Pipeline templates Nightshift ships.');
  addCommonOptions(templates.command('list').description('List the pipeline templates.')).action(
    runAction(() => Promise.resolve(listTemplates()), TEMPLATE_TABLE),
  );
}
