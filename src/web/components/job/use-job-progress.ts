/**
 * The job's live progress for the page: one events stream, the samples the rates are computed from, and
 * a throttled refresh of the page's other queries of this job (mini-batches, logs, outputs) when the job
 * changes, so the page follows the job without polling and without a burst of requests per event.
 */
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useEventStream, type StreamState } from '../../api/event-stream.ts';
import { ApiError } from '../../api/client.ts';
import { hasEnded, jobPath, type JobProgress } from './job-wire.ts';
import type { Sample } from './job-rates.ts';

/** At most one refresh of the other queries this often while events arrive. */
const REFRESH_MS = 2000;
const MAX_SAMPLES = 600;

export interface LiveJob {
  progress: JobProgress | undefined;
  state: StreamState;
  error: ApiError | undefined;
  samples: Sample[];
}

/** Marks every query of this job but the stream itself as stale, at most once per REFRESH_MS. */
function useThrottledRefresh(job: string): (now: boolean) => void {
  const client = useQueryClient();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () => () => {
      clearTimeout(timer.current);
    },
    [],
  );
  return (now: boolean) => {
    const prefix = jobPath(job);
    const refresh = () => {
      last.current = Date.now();
      timer.current = undefined;
      void client.invalidateQueries({
        predicate: (q) => {
          const path = q.queryKey[1];
          // A refusal is kept, not asked again: asking will not change it, and a refetch of a query with
          // no data clears its error, so the message would blink to "Loading" on every change.
          const refused = q.state.error instanceof ApiError && q.state.error.status === 403;
          return !refused && typeof path === 'string' && (path === prefix || path.startsWith(`${prefix}/`));
        },
      });
    };
    const wait = last.current + REFRESH_MS - Date.now();
    if (now || wait <= 0) {
      clearTimeout(timer.current);
      refresh();
    } else {
      timer.current ??= setTimeout(refresh, wait);
    }
  };
}

/** How long the page waits before opening a new stream when one closed before the job ended. */
const REOPEN_MS = 2000;

export function useJobProgress(job: string): LiveJob {
  const [samples, setSamples] = useState<Sample[]>([]);
  // Bumped to open a new stream; the query parameter only makes the path new (the server ignores it).
  const [reopened, setReopened] = useState(0);
  const refresh = useThrottledRefresh(job);
  const seen = useRef(false);
  const path = jobPath(job, reopened === 0 ? '/events' : `/events?reopen=${reopened}`);
  const stream = useEventStream<JobProgress>(path, (data) => {
    const sample = { at: Date.now(), items: data.items.succeeded + data.items.failed, rows: data.rows };
    setSamples((prev) => [...prev.slice(1 - MAX_SAMPLES), sample]);
    // The first event is the state the page already loaded; later ones are changes.
    if (seen.current) refresh(hasEnded(data.status));
    seen.current = true;
  });
  // The server closes a stream cleanly only after the job's final state, or when it stops: a stream that
  // closed before the job ended is opened again (a refusal is not: asking again will not change it).
  const closedEarly =
    stream.state === 'ended' &&
    !hasEnded(stream.last?.status) &&
    (stream.error === undefined || stream.error.status >= 500);
  useEffect(() => {
    if (!closedEarly) return;
    const timer = setTimeout(() => {
      setReopened((n) => n + 1);
    }, REOPEN_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [closedEarly, reopened]);
  return { progress: stream.last, state: stream.state, error: stream.error, samples };
}
