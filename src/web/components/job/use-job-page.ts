/**
 * Every query of the job page, started together (siblings, never nested components that fetch after
 * their parent's answer): the job, its live stream, the mini-batch page, the progress history, the log
 * tree, the output's files and the manifest. Only the open log and the head of the output wait, for the
 * log tree's default pick and the output file's name.
 */
import { useArm } from '../../api/context.ts';
import { useJobFile } from './use-job-file.ts';
import { useJobProgress } from './use-job-progress.ts';
import {
  jobPath,
  type FileEntry,
  type JobView,
  type Manifest,
  type MiniBatchPage,
  type ProgressPoint,
} from './job-wire.ts';

/** Bytes of the output read for its preview. */
const HEAD_BYTES = 64 * 1024;

/** The log opened by default: the first error's, else the newest progress overview. */
function defaultLog(files: FileEntry[] | undefined): string | undefined {
  if (files === undefined) return undefined;
  const paths = files.map((f) => f.path);
  return (
    paths.find((p) => p === 'job_error.txt') ??
    paths.filter((p) => p.startsWith('job_progress_overview')).at(-1)
  );
}

export function useJobPage(name: string, page: number, chosenLog: string | null) {
  const job = useArm<JobView>(jobPath(name));
  const live = useJobProgress(name);
  const batches = useArm<MiniBatchPage>(jobPath(name, '/miniBatches'), { page });
  const history = useArm<{ value: ProgressPoint[] }>(jobPath(name, '/progressHistory'));
  const logs = useArm<{ value: FileEntry[] }>(jobPath(name, '/logs'));
  const outputs = useArm<{ value: FileEntry[] }>(jobPath(name, '/outputs/score'));
  const manifest = useArm<Manifest>(jobPath(name, '/outputs/score/paths/manifest.json'));
  const openLog = chosenLog ?? defaultLog(logs.data?.value);
  const logText = useJobFile(openLog === undefined ? undefined : jobPath(name, `/logs/${openLog}`));
  const outputFile = job.data?.properties.outputFileName;
  const hasOutput = outputs.data?.value.some((f) => f.path === outputFile) === true;
  const head = useJobFile(
    hasOutput ? jobPath(name, `/outputs/score/paths/${outputFile ?? ''}`) : undefined,
    HEAD_BYTES,
  );
  return { job, live, batches, history, logs, outputs, manifest, openLog, logText, outputFile, head };
}
