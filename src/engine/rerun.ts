/**
 * Reruns of an ended job (issue 15, part 3). A full rerun is a new invocation of the same deployment over
 * the same input, with the same settings and a new output location, as a client would make it again. A
 * rerun of only what failed is a new job with the parent's mini-batches, in the parent's order: the ones
 * that succeeded there are recorded as succeeded here (their parts are taken over when the job starts, see
 * rerun-parts.ts) and only the others are queued, a failed big CSV or JSONL file cut into ranges for the
 * idle workers (rerun-spread.ts), so the output, assembled in index order, is the one a fully successful
 * run writes. Taking results over is only sound when they would come out the same: the
 * model, the code and every reused input file must be unchanged (its fingerprint as recorded when the
 * parent was invoked, see rerun-fingerprints.ts, else its sha256 against what the parent's workers
 * reported), and no file may have been added or removed; otherwise the rerun is refused with a 409 that
 * names what changed. The files of the failed mini-batches may change: fixing them is what a rerun is for.
 */
import { availableParallelism } from 'node:os';
import { ConflictError } from '../core/errors.ts';
import { parseRangeRef } from '../core/row-ranges.ts';
import {
  isTerminal,
  type InputFileDigest,
  type JobRecord,
  type JobRuntimeSpec,
  type MiniBatchRecord,
} from '../core/jobs.ts';
import type { Actor } from '../core/resources.ts';
import type { InputCache } from '../storage/cache/input-cache.ts';
import type { JobRepository } from '../store/contract.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { inputAccess } from './job-data.ts';
import type { ResolvedInput } from './job-inputs.ts';
import type { JobLayout, JobOrigin, JobService } from './job-service.ts';
import { hashInputs } from './manifest.ts';
import { fingerprintsOf, type InputFingerprints } from './rerun-fingerprints.ts';
import { reusedWorker } from './rerun-parts.ts';
import { spreadFailed } from './rerun-spread.ts';

export interface RerunDeps {
  jobs: JobRepository;
  service: Pick<JobService, 'invoke' | 'get'>;
  datastores: DatastoreService;
  cache: InputCache;
  /** The fingerprints recorded when the parent was invoked; without them every reused file is hashed. */
  fingerprints?: Pick<InputFingerprints, 'load'>;
}

export type RerunService = ReturnType<typeof createRerunService>;

/**
 * The invocation body that starts the parent's job again: its input (the data asset version when it
 * named one), its settings, its description and tags; no output, so the new job writes where a new
 * invocation writes by default.
 */
export function rerunBody(parent: JobRecord): { properties: Record<string, unknown> } {
  const s = parent.settings;
  const key = Object.keys(parent.inputData)[0] ?? 'input';
  return {
    properties: {
      description: parent.description,
      tags: parent.tags,
      inputData: {
        [key]: {
          jobInputType: parent.input.type,
          uri: parent.input.asset ?? parent.input.uri,
          recursive: parent.input.recursive,
        },
      },
      miniBatchSize: s.miniBatchSize,
      compute: { instanceCount: parent.instanceCount },
      maxConcurrencyPerInstance: s.maxConcurrencyPerInstance,
      errorThreshold: s.errorThreshold,
      retrySettings: {
        maxRetries: s.retrySettings.maxRetries,
        timeout: s.retrySettings.timeoutSeconds,
      },
      outputFileName: s.outputFileName,
    },
  };
}

/** Refuses when the deployment now scores with another model or other code than the parent did. */
function checkRuntime(parent: JobRecord, now: JobRuntimeSpec): void {
  const was = parent.runtime;
  const fix =
    'rerun without --failed-only (failedOnly=false) to score everything with what the deployment uses now';
  if (was.modelHash !== now.modelHash) {
    throw new ConflictError(
      `The model changed since job '${parent.name}' ran: it scored with model '${was.modelName}:${was.modelVersion}' ` +
        `(content hash ${was.modelHash.slice(0, 12)}), deployment '${parent.deploymentName}' now scores with ` +
        `'${now.modelName}:${now.modelVersion}' (content hash ${now.modelHash.slice(0, 12)}). Its results cannot be ` +
        `reused; ${fix}.`,
      'RerunModelChanged',
    );
  }
  const code = (r: JobRuntimeSpec) => `${r.kind}|${r.scoringScript ?? ''}|${r.codeHash ?? r.codeUri ?? ''}`;
  // A parent recorded before code hashes were kept compares its code snapshot's location instead.
  const same =
    was.codeHash === undefined
      ? code({ ...now, codeHash: undefined }) === code(was)
      : code(now) === code(was);
  if (!same) {
    throw new ConflictError(
      `The code changed since job '${parent.name}' ran: deployment '${parent.deploymentName}' now runs ` +
        `${now.scoringScript ? `scoring script '${now.scoringScript}'` : 'no scoring script'} from other code ` +
        `(content hash ${(now.codeHash ?? 'none').slice(0, 12)}, was ${(was.codeHash ?? was.codeUri ?? 'none').slice(0, 12)}). ` +
        `Its results cannot be reused; ${fix}.`,
      'RerunCodeChanged',
    );
  }
}

const listed = (paths: readonly string[]) =>
  paths.slice(0, 3).join(', ') + (paths.length > 3 ? ` and ${paths.length - 3} more` : '');

function inputChanged(parent: JobRecord, what: string): ConflictError {
  return new ConflictError(
    `The input changed since job '${parent.name}' ran: ${what}. Its results cannot be reused; rerun without ` +
      '--failed-only (failedOnly=false) to score the input as it is now.',
    'RerunInputChanged',
  );
}

/**
 * A mini-batch whose results are taken over: it succeeded with no item failed. One where some files
 * failed (a runtime that scores file by file reports them as item failures) is scored again whole, as
 * its part holds only the rows of the files that succeeded.
 */
const whole = (b: MiniBatchRecord): boolean => b.state === 'succeeded' && b.failed === 0;

const fileOf = (entry: string): string => parseRangeRef(entry).path;

/** Size and sha256 of `files` read again, split over the machine's cores, each share in a thread. */
async function hashAgain(
  deps: RerunDeps,
  parent: JobRecord,
  input: ResolvedInput,
  files: readonly string[],
): Promise<InputFileDigest[]> {
  if (files.length === 0) return [];
  const location = await deps.datastores.resolveSource(input.spec.uri, 'input');
  const access = { input: inputAccess(location, deps.cache) };
  const threads = Math.max(1, Math.min(4, availableParallelism()));
  const shares = Array.from({ length: threads }, (_, t) => files.filter((_f, i) => i % threads === t));
  const hashed = Promise.all(
    shares.filter((share) => share.length > 0).map((share) => hashInputs(access, share)),
  );
  return (
    await hashed.catch((error: unknown) => {
      // The code only: the message of a local read names the server's own paths.
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw inputChanged(parent, `its files could not be read to compare them (${code})`);
    })
  ).flat();
}

/**
 * The reused files whose fingerprint is the one recorded when the parent was invoked: unchanged since,
 * without reading them (rerun-fingerprints.ts). The others are hashed again.
 */
async function vouchedFor(
  deps: RerunDeps,
  parent: JobRecord,
  input: ResolvedInput,
  files: readonly string[],
): Promise<Set<string>> {
  const recorded = (await deps.fingerprints?.load(parent.name)) ?? new Map<string, string>();
  if (recorded.size === 0) return new Set();
  const location = await deps.datastores.resolveSource(input.spec.uri, 'input');
  const wanted = new Set(files.filter((p) => recorded.has(p)));
  const now = await fingerprintsOf(
    location.backend,
    input.files.filter((f) => wanted.has(f.path)),
  );
  return new Set([...wanted].filter((p) => now.get(p) === recorded.get(p)));
}

/**
 * Refuses when a file was added or removed, or a file whose results are reused is not the same bytes.
 * Resolves with how many reused files were hashed again.
 */
async function checkInputs(
  deps: RerunDeps,
  parent: JobRecord,
  batches: readonly MiniBatchRecord[],
  input: ResolvedInput,
): Promise<number> {
  // A file split into row ranges is one input file (entries `path#bytes=…`, core/row-ranges.ts).
  const before = new Set(batches.flatMap((b) => b.files).map(fileOf));
  const now = new Map(input.files.map((f) => [f.path, f]));
  const added = [...now.keys()].filter((p) => !before.has(p));
  const removed = [...before].filter((p) => !now.has(p));
  if (added.length > 0) throw inputChanged(parent, `file(s) ${listed(added)} were added`);
  if (removed.length > 0) throw inputChanged(parent, `file(s) ${listed(removed)} were removed`);
  const reused = batches.filter(whole);
  // Ranges' readers hash nothing: a split file's digest was taken when the parent was invoked.
  const known = [...(parent.input.digests ?? []), ...reused.flatMap((b) => b.inputs ?? [])];
  const recorded = new Map(known.map((d) => [d.path, d]));
  const files = [...new Set(reused.flatMap((b) => b.files).map(fileOf))];
  const unknown = files.filter((p) => !recorded.get(p)?.sha256);
  if (unknown.length > 0) throw inputChanged(parent, `no sha256 was recorded for ${listed(unknown)}`);
  // A size that differs needs no hashing to tell; an unchanged fingerprint needs none either.
  const resized = files.filter((p) => now.get(p)?.size !== recorded.get(p)?.size);
  if (resized.length > 0) throw inputChanged(parent, `file(s) ${listed(resized)} changed (size)`);
  const vouched = await vouchedFor(deps, parent, input, files);
  const digests = await hashAgain(
    deps,
    parent,
    input,
    files.filter((p) => !vouched.has(p)),
  );
  const changed = digests.filter((d) => d.sha256 !== recorded.get(d.path)?.sha256).map((d) => d.path);
  if (changed.length > 0) throw inputChanged(parent, `file(s) ${listed(changed)} changed (sha256)`);
  return digests.length;
}

/** The parent's mini-batches, the whole ones settled as reused and the rest queued. */
async function failedOnlyLayout(
  deps: RerunDeps,
  parent: JobRecord,
  input: ResolvedInput,
  runtime: JobRuntimeSpec,
): Promise<JobLayout> {
  const batches = await deps.jobs.miniBatches(parent.name);
  const reused = batches.filter(whole);
  if (reused.length === batches.length) {
    throw new ConflictError(
      `Nothing failed in job '${parent.name}': every item of its ${batches.length} mini-batch(es) succeeded. Rerun it ` +
        'without --failed-only (failedOnly=false) to score everything again.',
      'NothingToRerun',
    );
  }
  checkRuntime(parent, runtime);
  const inputsHashed = await checkInputs(deps, parent, batches, input);
  const worker = reusedWorker(parent.name);
  const spread = await spreadFailed(
    batches.map((b) => ({ index: b.index, files: b.files, queued: !whole(b) })),
    {
      slots: parent.instanceCount * parent.settings.maxConcurrencyPerInstance,
      runtimeKind: runtime.kind,
      input,
    },
  );
  // Digests taken when the parent was invoked (its split files) hold for files none of whose ranges failed.
  const failedFiles = new Set(batches.filter((b) => !whole(b)).flatMap((b) => b.files.map(fileOf)));
  const kept = (parent.input.digests ?? []).filter((d) => !failedFiles.has(d.path));
  const parentBatch = new Map(batches.map((b) => [b.index, b]));
  return {
    inputsHashed,
    batches: spread.batches.map((b) => ({ index: b.index, files: b.files })),
    queue: spread.batches.filter((b) => b.queued).map((b) => b.index),
    digests: [...kept, ...spread.digests],
    async settle(job) {
      for (const b of spread.batches) {
        const from = parentBatch.get(b.parent);
        if (b.queued || !from) continue;
        await deps.jobs.startAttempt(job, b.index, worker);
        const { succeeded, failed, rowsWritten } = from;
        const inputs = from.inputs ? { inputs: from.inputs } : {};
        await deps.jobs.finishAttempt(job, b.index, {
          state: 'succeeded',
          ...{ succeeded, failed, rowsWritten, worker, elapsedMs: 0 },
          ...inputs,
        });
      }
    },
  };
}

export function createRerunService(deps: RerunDeps) {
  /**
   * Starts the rerun of `name` as `actor`. A job that has not ended is refused: its results are not
   * final, and a rerun beside it would score the same files twice.
   */
  async function rerun(name: string, options: { failedOnly: boolean }, actor?: Actor): Promise<JobRecord> {
    const parent = await deps.service.get(name);
    if (!isTerminal(parent.status)) {
      throw new ConflictError(
        `Job '${parent.name}' is ${parent.status}; only an ended job can be rerun. Wait for it to end ` +
          `(nightshift job stream --name ${parent.name}) or cancel it (nightshift job cancel --name ${parent.name}), then rerun.`,
        'JobNotEnded',
      );
    }
    const origin: JobOrigin = {
      rerunOf: { job: parent.name, failedOnly: options.failedOnly },
      ...(options.failedOnly
        ? { layout: (input, runtime) => failedOnlyLayout(deps, parent, input, runtime) }
        : {}),
    };
    return deps.service.invoke(parent.endpointName, rerunBody(parent), parent.deploymentName, actor, origin);
  }

  return { rerun };
}
