/**
 * A pipeline run and its activity runs, live: both are asked for at once over REST (so the page shows
 * them before the stream opens), then the run's event stream replaces them in the query cache with each
 * snapshot, until the run ends. `now` ticks while the run goes on, so running bars grow between events.
 * When the caller may read the run but not its activity runs (Reader), `hidden` says why.
 */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useEventStream, type StreamState } from '../../api/event-stream.ts';
import type { ApiError } from '../../api/client.ts';
import {
  ENDED_STATUSES,
  factoryKey,
  useFactory,
  useFactoryRoot,
  type ActivityRun,
  type PipelineRun,
  type RunSnapshot,
} from './factory-api.ts';

const TICK_MS = 500;

export interface LiveRun {
  run: PipelineRun | undefined;
  runError: ApiError | null;
  activities: ActivityRun[] | undefined;
  /** Why the activity runs are not shown (a refusal's message), when they are not. */
  hidden: string | undefined;
  stream: StreamState;
  streamError: ApiError | undefined;
  now: number;
}

export function useLiveRun(runId: string): LiveRun {
  const queries = useQueryClient();
  const runPath = `/pipelineruns/${encodeURIComponent(runId)}`;
  const activitiesPath = `${runPath}/queryActivityruns`;
  const run = useFactory<PipelineRun>(runPath);
  const activities = useFactory<{ value: ActivityRun[] }>(activitiesPath, {});
  const root = useFactoryRoot();
  const [hiddenByStream, setHidden] = useState<string | undefined>();
  const live = useEventStream<RunSnapshot>(
    root.data === undefined ? undefined : `/${root.data}${runPath}/events`,
    (snapshot) => {
      queries.setQueryData(factoryKey(runPath), snapshot.run);
      if (snapshot.activityRuns !== undefined) {
        queries.setQueryData(factoryKey(activitiesPath, {}), { value: snapshot.activityRuns });
      }
      setHidden(snapshot.activityRunsHidden);
    },
  );
  const ended = run.data !== undefined && ENDED_STATUSES.has(run.data.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, TICK_MS);
    return () => {
      clearInterval(timer);
    };
  }, [ended]);
  return {
    run: run.data,
    runError: run.error,
    activities: activities.data?.value,
    hidden: hiddenByStream ?? activities.error?.message,
    stream: live.state,
    streamError: live.error,
    now,
  };
}
