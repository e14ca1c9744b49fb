/**
 * A job's progress over time, for the studio's throughput chart: read back from the progress lines the
 * driver appends to `job_progress_overview.<date>.txt` after every attempt (job-logs.ts), so the history
 * costs the store nothing and survives as long as the log tree does. A line written before rows were
 * logged has no `; rows N`: its rows are null, not zero. Lines that do not parse (a torn last line while
 * the driver writes) are skipped. A long job is thinned to at most `limit` points, first and last kept.
 */

export interface ProgressPoint {
  /** ISO time the line was written. */
  time: string;
  miniBatchesDone: number;
  miniBatchesTotal: number;
  itemsSucceeded: number;
  itemsFailed: number;
  itemsTotal: number;
  rows: number | null;
}

const LINE =
  /^(\S+) mini-batches: (\d+)\/(\d+) processed .*?; items succeeded (\d+), failed (\d+) of (\d+)(?:; rows (\d+))?\s*$/;

/** One progress line, or undefined when it is not one. */
export function parseProgressLine(line: string): ProgressPoint | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, time = '', done, total, ok, bad, items, rows] = m;
  if (Number.isNaN(Date.parse(time))) return undefined;
  return {
    time,
    miniBatchesDone: Number(done),
    miniBatchesTotal: Number(total),
    itemsSucceeded: Number(ok),
    itemsFailed: Number(bad),
    itemsTotal: Number(items),
    rows: rows === undefined ? null : Number(rows),
  };
}

/** Every `limit`-th point or so, always keeping the first and the last. */
function thin(points: ProgressPoint[], limit: number): ProgressPoint[] {
  if (points.length <= limit) return points;
  const step = (points.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => points[Math.round(i * step)]).filter(
    (p): p is ProgressPoint => p !== undefined,
  );
}

export interface ProgressLogs {
  list(job: string): Promise<{ path: string }[]>;
  read(job: string, path: string): Promise<string>;
}

const OVERVIEW = /^job_progress_overview\.\d{8}\.txt$/;

/** The job's progress points in time order (a job that runs past midnight writes two files). */
export async function progressHistory(
  logs: ProgressLogs,
  job: string,
  limit = 500,
): Promise<ProgressPoint[]> {
  const files = (await logs.list(job)).map((f) => f.path).filter((p) => OVERVIEW.test(p));
  const points: ProgressPoint[] = [];
  for (const file of files.sort()) {
    const text = await logs.read(job, file).catch(() => '');
    for (const line of text.split('\n')) {
      const point = parseProgressLine(line);
      if (point) points.push(point);
    }
  }
  points.sort((a, b) => a.time.localeCompare(b.time));
  return thin(points, limit);
}
