/**
 * The contract between the engine and a scoring runtime.
 *
 * A runtime lives inside one isolated worker (a child process): `init()` is called once when the worker
 * starts, `run()` once per mini-batch, `dispose()` before a clean exit. Data never crosses the worker
 * boundary: the runtime reads inputs from local file paths and writes its output rows to a part sink
 * that appends to the mini-batch's own part file. test/contracts/scoring-runtime.test.ts holds every
 * runtime, inside a real worker, to what this file promises.
 */
import type { MlflowPyfuncSpec } from '../core/jobs.ts';

/** Where a mini-batch's formatted output goes. Text is appended verbatim (lines end with "\n"). */
export interface PartSink {
  write(text: string): Promise<void>;
}

/** One input item (file) that failed inside an otherwise completed `run()`. */
export interface ItemFailure {
  file: string;
  message: string;
  stack?: string;
}

/** Size and sha256 of an input file, for the job's manifest. */
export interface InputDigest {
  file: string;
  size: number;
  sha256: string;
}

/** What a finished `run()` reports back; the engine turns it into counts and the first error. */
export interface MiniBatchOutcome {
  /** Items (files) counted as succeeded; Azure's rule is min(len(returned), len(miniBatch)). */
  succeeded: number;
  /** Items that failed; `succeeded + failed` equals the mini-batch size. */
  failed: number;
  /** Why items failed, when the runtime knows it per file. */
  itemFailures: ItemFailure[];
  /** Output rows written to the part sink (for progress and the manifest); 0 under `summary_only`. */
  rowsWritten: number;
  /**
   * Digests of inputs the runtime read whole, hashed from the bytes it read anyway; the worker hashes
   * whatever is missing, so the engine always gets one per file of a succeeded mini-batch.
   */
  inputs?: InputDigest[];
}

/** Settings a runtime needs, resolved by the engine from the deployment and the job. */
export interface RuntimeSettings {
  /** Which runtime runs the deployment. */
  kind: 'js' | 'onnx' | 'python';
  /** AZUREML_MODEL_DIR: the model root; the registered model's own folder is under it. */
  modelDir: string;
  /** The registered model's own folder or file inside `modelDir`. */
  modelPath: string;
  /** The snapshotted code folder (js and python runtimes), the working directory of the script. */
  codeDir?: string;
  /** The scoring script, relative to `codeDir` (js and python runtimes). */
  scoringScript?: string;
  /** The interpreter that runs the driver (python runtime). */
  pythonExecutable?: string;
  /** An MLflow `python_function` model scored without a script (python runtime, no `scoringScript`). */
  mlflow?: MlflowPyfuncSpec;
  /** AZUREML_BI_OUTPUT_PATH: the job's output folder. */
  outputDir: string;
  /** `append_row` writes returned rows to the part; `summary_only` only counts them. */
  outputAction: 'append_row' | 'summary_only';
  loggingLevel: 'warning' | 'info' | 'debug';
  /** The deployment's `environment_variables`, set in the worker's environment. */
  environmentVariables: Record<string, string>;
}

/** A loaded runtime inside a worker. */
export interface ScoringRuntime {
  init(): Promise<void>;
  run(miniBatch: readonly string[], sink: PartSink): Promise<MiniBatchOutcome>;
  dispose(): Promise<void>;
}
