/**
 * The JS runtime: runs a user scoring script (a .js, .mjs or .ts module in the deployment's code folder)
 * with Azure's contract translated to JS: an optional `init()` once per worker, and
 * `run(miniBatch, context)` per mini-batch returning an array or a table. Either may be async.
 *
 * It expects to live inside a worker process whose environment and working directory were already set
 * up (see worker-main.ts); it only loads the module, calls it, and turns the result into counts and
 * part-file lines.
 */
import { access } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MiniBatchOutcome, PartSink, RuntimeSettings, ScoringRuntime } from '../contract.ts';
import { countItems, formatLines, resultLength, toScoringResult } from '../append-row.ts';
import { createScriptLogger, type ScriptLogger } from './script-logger.ts';

/** What `run()` receives besides the file paths. */
export interface ScriptContext {
  /** AZUREML_MODEL_DIR: the model root. */
  modelDir: string;
  /** AZUREML_BI_OUTPUT_PATH: where `summary_only` scripts write their own files. */
  outputDir: string;
  logger: ScriptLogger;
}

interface ScoringScript {
  init?: () => unknown;
  run: (miniBatch: string[], context: ScriptContext) => unknown;
}

/** Writes go to the sink in chunks of about this size: few syscalls, bounded memory. */
const CHUNK_CHARS = 64 * 1024;

function scriptPath(settings: RuntimeSettings): string {
  const { codeDir, scoringScript } = settings;
  if (scoringScript === undefined || scoringScript === '') {
    throw new Error('The js runtime needs a scoring script (code_configuration.scoring_script).');
  }
  if (isAbsolute(scoringScript)) return scoringScript;
  return resolve(codeDir ?? process.cwd(), scoringScript);
}

/** Accepts ES modules (`export function run`) and CommonJS (`module.exports = { run }`). */
function asScoringScript(module: Record<string, unknown>, path: string): ScoringScript {
  const fallback = module.default;
  const source =
    typeof module.run !== 'function' && typeof fallback === 'object' && fallback !== null
      ? (fallback as Record<string, unknown>)
      : module;
  const { init, run } = source;
  if (typeof run !== 'function') {
    throw new Error(`The scoring script ${path} does not export a run(miniBatch, context) function.`);
  }
  if (init !== undefined && typeof init !== 'function') {
    throw new Error(`The scoring script ${path} exports an init that is not a function.`);
  }
  return { init: init as ScoringScript['init'], run: run as ScoringScript['run'] };
}

async function loadScript(path: string): Promise<ScoringScript> {
  try {
    await access(path);
  } catch {
    throw new Error(`The scoring script ${path} was not found.`);
  }
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  return asScoringScript(module, path);
}

async function writeLines(lines: Iterable<string>, sink: PartSink): Promise<number> {
  let chunk = '';
  let count = 0;
  for (const line of lines) {
    chunk += line;
    count += 1;
    if (chunk.length >= CHUNK_CHARS) {
      await sink.write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') await sink.write(chunk);
  return count;
}

export function createJsRuntime(settings: RuntimeSettings): ScoringRuntime {
  const path = scriptPath(settings);
  const logger = createScriptLogger(settings.loggingLevel);
  const context: ScriptContext = { modelDir: settings.modelDir, outputDir: settings.outputDir, logger };
  let script: ScoringScript | undefined;

  return {
    async init() {
      const loaded = await loadScript(path);
      await loaded.init?.();
      script = loaded;
    },

    async run(miniBatch: readonly string[], sink: PartSink): Promise<MiniBatchOutcome> {
      if (script === undefined) throw new Error('run() was called before init() completed.');
      // A copy, so a script that mutates its mini-batch cannot change what we count against.
      const result = toScoringResult(await script.run([...miniBatch], context));
      const returned = resultLength(result);
      if (returned > miniBatch.length) {
        logger.warning(
          `run() returned ${returned} rows for ${miniBatch.length} items; only ${miniBatch.length} count as succeeded.`,
        );
      }
      const rowsWritten =
        settings.outputAction === 'append_row' ? await writeLines(formatLines(result), sink) : 0;
      return { ...countItems(returned, miniBatch.length), itemFailures: [], rowsWritten };
    },

    dispose() {
      script = undefined;
      return Promise.resolve();
    },
  };
}
