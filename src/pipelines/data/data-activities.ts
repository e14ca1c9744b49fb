/**
 * The Copy and Get Metadata activities as runner handlers. Each resolves its dataset references (the
 * activity's `inputs`/`outputs`, or Get Metadata's `typeProperties.dataset`) through the factory's datasets
 * and linked services, does its work through `awaitExternal` (real I/O; a virtual clock holds still), and
 * returns Data Factory's output object. Storage failures become Data Factory-style errors that name the
 * dataset, the place and the storage service's own code; the linked service's secrets are masked out of
 * every message, so a store that echoes a URL cannot leak its signature into a run record.
 */
import { DomainError } from '../../core/errors.ts';
import { isObject } from '../../core/wire-values.ts';
import { storageErrorCode } from '../../storage/azure-blob/connection.ts';
import { s3ErrorCode, s3HttpStatus } from '../../storage/s3/s3.ts';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { ActivityHandler, ActivityRunContext } from '../runner/activity-handler.ts';
import { SecretMasker } from '../runner/masking.ts';
import { parallelCopiesOf, runCopy } from './copy-run.ts';
import type { DatasetResolve, ResolvedDataset } from './dataset-resolver.ts';
import { getMetadata } from './get-metadata.ts';

export interface DataActivityDeps {
  resolve: DatasetResolve;
  /** Every secret of every linked service, opened, for masking messages. */
  secrets: () => Promise<string[]>;
}

/** The failure a storage or domain error becomes, naming the dataset and the storage code. */
async function failureOf(error: unknown, dataset: string, deps: DataActivityDeps): Promise<ActivityFailure> {
  if (error instanceof ActivityFailure) return error;
  const masker = new SecretMasker(await deps.secrets());
  const text = (value: string) => String(masker.mask(value));
  if (error instanceof DomainError) {
    return new ActivityFailure(
      error.code === 'NotSupported' ? 'NotSupported' : 'UserError',
      text(error.message),
    );
  }
  const code = storageErrorCode(error) ?? s3ErrorCode(error) ?? 'Unknown';
  const status = (error as { statusCode?: unknown }).statusCode ?? s3HttpStatus(error);
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return new ActivityFailure(
    '2200',
    text(
      `ErrorCode=StorageOperationFailed,'Message=Operation on dataset '${dataset}' failed. Storage error: ${code}${typeof status === 'number' ? ` (${String(status)})` : ''}: ${message}'`,
    ),
  );
}

function datasetReference(ctx: ActivityRunContext, key: 'inputs' | 'outputs'): unknown {
  const list = ctx.evaluate(ctx.activity[key]);
  const first = Array.isArray(list) ? (list[0] as unknown) : undefined;
  if (!isObject(first)) {
    throw new ActivityFailure(
      'InvalidDatasetReference',
      `Copy activity '${ctx.activity.name}' needs '${key}': [{"referenceName": "<dataset>", "type": "DatasetReference"}].`,
    );
  }
  return first;
}

const run = (ctx: ActivityRunContext) => ({ pipelineName: ctx.pipelineName, runId: ctx.pipelineRunId });

async function resolveAll(ctx: ActivityRunContext, deps: DataActivityDeps) {
  const refs = [datasetReference(ctx, 'inputs'), datasetReference(ctx, 'outputs')];
  const resolved: ResolvedDataset[] = [];
  for (const ref of refs) {
    const name = isObject(ref) ? String(ref['referenceName']) : '';
    try {
      resolved.push(await ctx.awaitExternal(deps.resolve(ref, run(ctx))));
    } catch (error) {
      throw await failureOf(error, name, deps);
    }
  }
  return resolved as [ResolvedDataset, ResolvedDataset];
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export function copyActivityHandler(deps: DataActivityDeps): ActivityHandler {
  return {
    kind: 'execution',
    async run(ctx) {
      const [source, sink] = await resolveAll(ctx, deps);
      const tp = ctx.typeProperties;
      const settings = (side: unknown) => {
        const store = isObject(side) ? side['storeSettings'] : undefined;
        return isObject(store) ? store : {};
      };
      const started = Date.now();
      const counts = await ctx
        .awaitExternal(
          runCopy(source, sink, {
            source: settings(tp['source']),
            sink: settings(tp['sink']),
            runId: ctx.pipelineRunId,
            signal: ctx.signal,
            parallelCopies: tp['parallelCopies'],
          }),
        )
        .catch(async (error: unknown) => {
          throw await failureOf(
            error,
            error instanceof ActivityFailure ? source.name : `${source.name}' or '${sink.name}`,
            deps,
          );
        });
      const seconds = Math.max(Date.now() - started, 1) / 1000;
      const { rows, ...bytes } = counts;
      return {
        ...bytes,
        ...(rows === undefined ? {} : { rowsRead: rows, rowsCopied: rows }),
        sourcePeakConnections: 1,
        sinkPeakConnections: 1,
        copyDuration: Math.round(seconds),
        throughput: round(counts.dataRead / 1024 / seconds, 3),
        errors: [],
        effectiveIntegrationRuntime: 'Nightshift (in-process)',
        usedParallelCopies: Math.min(counts.filesWritten, parallelCopiesOf(tp['parallelCopies'])),
        executionDetails: [
          {
            source: { type: source.type },
            sink: { type: sink.type },
            status: 'Succeeded',
            start: new Date(started).toISOString(),
            duration: Math.round(seconds),
          },
        ],
      };
    },
  };
}

export function getMetadataActivityHandler(deps: DataActivityDeps): ActivityHandler {
  return {
    kind: 'execution',
    async run(ctx) {
      const ref = ctx.typeProperties['dataset'];
      const name = isObject(ref) ? String(ref['referenceName']) : '';
      try {
        const dataset = await ctx.awaitExternal(deps.resolve(ref, run(ctx)));
        return await ctx.awaitExternal(getMetadata(dataset, ctx.typeProperties['fieldList']));
      } catch (error) {
        throw await failureOf(error, name, deps);
      }
    },
  };
}
