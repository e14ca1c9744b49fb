/**
 * The job's log tree, laid out as Azure's batch scoring step lays it out (logs/readme.txt,
 * job_progress_overview, job_result.txt, job_error.txt, sys/job_report/processed_mini-batches.csv; the
 * worker pool writes logs/user/** and logs/sys/node/**), and read back for the REST API.
 */
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { NotFoundError } from '../core/errors.ts';
import type { JobCounts, JobRecord, MiniBatchRecord } from '../core/jobs.ts';
import { normaliseDatastorePath } from '../core/references.ts';

const README = `Nightshift batch job logs (same layout as Azure ML batch scoring):
  job_result.txt                          final result and the reason for it
  job_error.txt                           the first real error, with its stack
  job_progress_overview.<date>.txt        progress lines as mini-batches finish
  sys/job_report/processed_mini-batches.csv  one row per mini-batch
  sys/node/<node>/process<N>.txt          per-worker summary line per attempt
  sys/node/<node>/_main.txt               worker process starts and exits
  user/stdout|stderr/<node>/process<N>.*  what the scoring script printed
  user/error/<node>/process<N>.txt        stack traces from init() and run()
`;

export function createJobLogs(logDir: string) {
  // The counts of the last line written: a driver that polls remote workers asks again and again while
  // nothing has changed, and the overview gets a line only when something has.
  let lastCounts = '';
  const overview = () =>
    join(logDir, `job_progress_overview.${new Date().toISOString().slice(0, 10).replace(/-/g, '')}.txt`);
  return {
    dir: logDir,
    async init(): Promise<void> {
      await mkdir(join(logDir, 'sys', 'job_report'), { recursive: true });
      await writeFile(join(logDir, 'readme.txt'), README);
    },
    async progress(counts: JobCounts): Promise<void> {
      const m = counts.miniBatches;
      const text =
        `mini-batches: ${m.succeeded + m.failed}/${m.total} processed ` +
        `(succeeded ${m.succeeded}, failed ${m.failed}, running ${m.running}, pending ${m.pending}); ` +
        `items succeeded ${counts.items.succeeded}, failed ${counts.items.failed} of ${counts.items.total}; ` +
        // The rows written so far, for the studio's throughput chart (progress-history.ts reads it back).
        `rows ${counts.rows}`;
      if (text === lastCounts) return;
      lastCounts = text;
      await appendFile(overview(), `${new Date().toISOString()} ${text}\n`);
    },
    async result(job: JobRecord, batches: MiniBatchRecord[]): Promise<void> {
      await writeFile(join(logDir, 'job_result.txt'), `${job.status}: ${job.result ?? ''}\n`);
      if (job.error) {
        const e = job.error;
        const where = [
          e.file && `file ${e.file}`,
          e.miniBatch !== undefined && `mini-batch ${e.miniBatch}`,
          e.attempt && `attempt ${e.attempt}`,
          e.worker && `worker ${e.worker}`,
        ]
          .filter(Boolean)
          .join(', ');
        await writeFile(
          join(logDir, 'job_error.txt'),
          `${e.code}: ${e.message}\n${where}\n${e.stack ?? ''}\n`,
        );
      }
      const rows = ['index,id,state,attempts,items,succeeded,failed,rows,worker,elapsed_ms,error'];
      for (const b of batches) {
        const error = b.error ? `"${b.error.message.replace(/"/g, '""').split('\n')[0] ?? ''}"` : '';
        rows.push(
          [
            b.index,
            b.id,
            b.state,
            b.attempts,
            b.files.length,
            b.succeeded,
            b.failed,
            b.rowsWritten,
            b.worker ?? '',
            b.elapsedMs ?? '',
            error,
          ].join(','),
        );
      }
      await writeFile(
        join(logDir, 'sys', 'job_report', 'processed_mini-batches.csv'),
        `${rows.join('\n')}\n`,
      );
    },
  };
}

export async function listLogFiles(logDir: string): Promise<{ path: string; size: number }[]> {
  const out: { path: string; size: number }[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push({ path: relative(logDir, full).split(sep).join('/'), size: (await stat(full)).size });
    }
  }
  await walk(logDir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export async function readLogFile(logDir: string, path: string): Promise<string> {
  const full = resolve(logDir, normaliseDatastorePath(path, 'path'));
  if (!full.startsWith(resolve(logDir) + sep)) throw new NotFoundError(`Log '${path}' was not found.`);
  try {
    return await readFile(full, 'utf8');
  } catch {
    throw new NotFoundError(`Log '${path}' was not found; list the job's logs to see what exists.`);
  }
}
