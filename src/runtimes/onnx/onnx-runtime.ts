/**
 * The built-in no-code scorer for ONNX models, Nightshift's counterpart of Azure's MLflow driver:
 * each input file is one item, tables are scored in batches of thousands of rows, images in batches
 * of files, and every prediction becomes a `row,prediction,file_name` line in the part sink as soon
 * as its batch is scored. Files are read straight from their local paths and never held whole.
 *
 * Rows are numbered from 0 within each file (not across the mini-batch), so a line can be joined back
 * to its input whatever order mini-batches finish in. A file that fails part-way keeps the lines of
 * the batches already written; its item failure names the line that stopped it.
 */
import { basename } from 'node:path';
import { parseRangeRef } from '../../core/row-ranges.ts';
import type {
  ItemFailure,
  MiniBatchOutcome,
  PartSink,
  RuntimeSettings,
  ScoringRuntime,
  InputDigest,
} from '../contract.ts';
import { InputFileError } from '../readers/input-error.ts';
import { inputFormatOf, openTabular, type TabularFormat } from '../readers/input-formats.ts';
import { planImages, type ImagePlan } from './image-plan.ts';
import { planTabular, tabularFeeds } from './input-plan.ts';
import { locateModel, type LocatedModel } from './model-locator.ts';
import { predictionTexts, PredictionWriter, SinkWriteError } from './prediction-format.ts';
import { onnxRuntimeOptions, type OnnxRuntimeOptions } from './runtime-options.ts';
import { openScoringSession, type ScoringSession } from './scoring-session.ts';

interface Loaded {
  model: LocatedModel;
  session: ScoringSession;
  options: OnnxRuntimeOptions;
  /** Planned on the first image, then reused: it depends only on the model and the options. */
  imagePlan?: ImagePlan | Error;
}

/** The message Azure-style: reader errors already carry the file; anything else gets the same prefix. */
function itemFailure(file: string, error: unknown): ItemFailure {
  const cause = error instanceof Error ? error : new Error(String(error));
  const message =
    cause instanceof InputFileError
      ? cause.message
      : `Error processing input file: '${file}'. ${cause.message}`;
  return cause.stack === undefined ? { file, message } : { file, message, stack: cause.stack };
}

class OnnxRuntime implements ScoringRuntime {
  readonly #settings: RuntimeSettings;
  #loaded: Loaded | undefined;

  constructor(settings: RuntimeSettings) {
    this.#settings = settings;
  }

  async init(): Promise<void> {
    const options = onnxRuntimeOptions(this.#settings.environmentVariables);
    const model = await locateModel(this.#settings.modelPath, this.#settings.modelDir);
    const session = await openScoringSession(model.onnxFile, options.intraOpThreads);
    this.#loaded = { model, session, options };
  }

  async run(miniBatch: readonly string[], sink: PartSink): Promise<MiniBatchOutcome> {
    const loaded = this.#loaded;
    if (loaded === undefined)
      throw new Error('The onnx runtime was not initialised: call init() before run().');
    const writer = new PredictionWriter(sink, this.#settings.outputAction);
    const failures: ItemFailure[] = [];
    const images: string[] = [];
    const inputs: InputDigest[] = [];
    for (const file of miniBatch) {
      try {
        const format = inputFormatOf(file);
        if (format.kind === 'image') images.push(file);
        else {
          const digest = await this.#scoreTable(loaded, file, format.format, writer);
          if (digest) inputs.push({ file, ...digest });
        }
      } catch (error) {
        if (error instanceof SinkWriteError) throw error;
        failures.push(itemFailure(file, error));
      }
    }
    if (images.length > 0) failures.push(...(await this.#scoreImages(loaded, images, writer)));
    return {
      succeeded: miniBatch.length - failures.length,
      failed: failures.length,
      itemFailures: failures,
      rowsWritten: writer.rowsWritten,
      inputs,
    };
  }

  async #scoreTable(
    loaded: Loaded,
    file: string,
    format: TabularFormat,
    writer: PredictionWriter,
  ): Promise<{ size: number; sha256: string } | undefined> {
    const source = await openTabular(file, format);
    try {
      const plan = planTabular(loaded.session.inputs, loaded.model.signature, source);
      const request = { columns: plan.columns, chunkRows: loaded.options.batchRows, dtype: plan.dtype };
      // A range of a file is named as its file: rows keep their file's name and index.
      const name = basename(parseRangeRef(file).path);
      for await (const chunk of source.chunks(request)) {
        const output = await loaded.session.run(tabularFeeds(plan, chunk));
        if (writer.enabled) await writer.writeRows(chunk.firstRow, predictionTexts(output), name);
      }
      return source.digest?.();
    } finally {
      await source.close();
    }
  }

  async #scoreImages(loaded: Loaded, files: string[], writer: PredictionWriter): Promise<ItemFailure[]> {
    if (loaded.imagePlan === undefined) {
      const { imageScale: scale, imageMean: mean, imageStd: std } = loaded.options;
      try {
        loaded.imagePlan = planImages(loaded.session.inputs, loaded.model.signature, { scale, mean, std });
      } catch (error) {
        loaded.imagePlan = error as Error;
      }
    }
    const plan = loaded.imagePlan;
    if (plan instanceof Error) return files.map((file) => itemFailure(file, plan));
    // sharp (image decoding) is loaded only when a job has images: it is the heaviest import.
    const { scoreImageFiles } = await import('./image-scoring.ts');
    return scoreImageFiles(files, {
      session: loaded.session,
      plan,
      batchSize: loaded.options.imageBatch,
      writer,
      failure: itemFailure,
    });
  }

  async dispose(): Promise<void> {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    if (loaded !== undefined) await loaded.session.release();
  }
}

/** The no-code ONNX scorer for a deployment; `init()` finds and loads the model. */
export function createOnnxRuntime(settings: RuntimeSettings): ScoringRuntime {
  return new OnnxRuntime(settings);
}
