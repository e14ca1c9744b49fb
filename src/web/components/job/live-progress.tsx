/**
 * The job's progress as it happens: mini-batches and items done of their totals (bars a screen reader
 * reads as values), what failed, rows per second, the time left, worker-seconds, and whether the page is
 * connected to the live stream.
 */
import { useEffect, useState } from 'react';
import type { StreamState } from '../../api/event-stream.ts';
import { formatDuration, ratesOf, type Sample } from './job-rates.ts';
import { hasEnded, type JobCounts } from './job-wire.ts';

interface Props {
  status: string;
  counts: JobCounts;
  startedAt: string | null;
  endedAt: string | null;
  samples: readonly Sample[];
  stream: StreamState;
}

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  ended: 'final',
};

function Bar({ label, done, total }: { label: string; done: number; total: number }) {
  return (
    <div className="job-bar">
      <div className="job-bar-label">
        <span>{label}</span>
        <span>
          {done} / {total}
        </span>
      </div>
      <progress aria-label={label} max={Math.max(total, 1)} value={done} />
    </div>
  );
}

/** Re-renders every second while the job runs, so the time left counts down between events. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(id);
    };
  }, [running]);
  return now;
}

export function LiveProgress({ status, counts, startedAt, endedAt, samples, stream }: Props) {
  const ended = hasEnded(status);
  const now = useNow(!ended);
  const m = counts.miniBatches;
  const itemsDone = counts.items.succeeded + counts.items.failed;
  const rates = ratesOf(
    { items: itemsDone, itemsTotal: counts.items.total, rows: counts.rows, startedAt, endedAt },
    samples,
    now,
  );
  const left = ended
    ? 'done'
    : rates.secondsLeft === undefined
      ? 'estimating…'
      : formatDuration(rates.secondsLeft);
  return (
    <section className="job-progress" aria-labelledby="progress-heading">
      <h2 id="progress-heading">
        Progress <span className={`job-stream job-stream-${stream}`}>{STREAM_LABEL[stream]}</span>
      </h2>
      <Bar label="Mini-batches done" done={m.succeeded + m.failed + m.canceled} total={m.total} />
      <Bar label="Items done" done={itemsDone} total={counts.items.total} />
      <dl className="job-facts" aria-live="polite">
        <div>
          <dt>Status</dt>
          <dd className={`status-${status}`}>{status}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>
            {m.failed} mini-batches, {counts.items.failed} items
          </dd>
        </div>
        <div>
          <dt>Running</dt>
          <dd>{m.running}</dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{counts.rows}</dd>
        </div>
        <div>
          <dt>Rows/s</dt>
          <dd>{rates.rowsPerSecond === undefined ? '—' : rates.rowsPerSecond.toFixed(1)}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{left}</dd>
        </div>
        <div>
          <dt>Worker-seconds</dt>
          <dd>{counts.workerSeconds.toFixed(1)}</dd>
        </div>
      </dl>
    </section>
  );
}
