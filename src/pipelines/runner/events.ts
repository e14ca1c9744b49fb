/**
 * What a run reports while it happens: pipeline runs starting, changing status and finishing, activity runs
 * starting and finishing. Storage, the REST API and the CLI's live output all listen here. Events carry
 * snapshots, so a listener may keep them without seeing later changes.
 */
import type { ActivityRunRecord, PipelineRunRecord } from './records.ts';

export type RunEvent =
  | { kind: 'pipelineRunStarted'; run: PipelineRunRecord }
  | { kind: 'pipelineRunStatusChanged'; run: PipelineRunRecord }
  | { kind: 'pipelineRunFinished'; run: PipelineRunRecord }
  | { kind: 'activityRunStarted'; activityRun: ActivityRunRecord }
  | { kind: 'activityRunFinished'; activityRun: ActivityRunRecord };

export interface RunEventSink {
  /** Called synchronously from the run; must not throw (queue slow work such as storage writes). */
  emit(event: RunEvent): void;
}

/** Keeps everything in memory: the latest state of each run and finished activity runs in order. */
export class RunRecorder implements RunEventSink {
  readonly events: RunEvent[] = [];
  readonly pipelineRuns = new Map<string, PipelineRunRecord>();
  readonly activityRuns: ActivityRunRecord[] = [];

  emit(event: RunEvent): void {
    this.events.push(event);
    if (event.kind === 'activityRunFinished') this.activityRuns.push(event.activityRun);
    else if (event.kind !== 'activityRunStarted') this.pipelineRuns.set(event.run.runId, event.run);
  }

  /** Finished activity runs of one pipeline run, in finishing order. */
  activityRunsOf(pipelineRunId: string): ActivityRunRecord[] {
    return this.activityRuns.filter((r) => r.pipelineRunId === pipelineRunId);
  }

  /** Finished runs of one activity (every attempt and iteration), in finishing order. */
  runsOfActivity(activityName: string, pipelineRunId?: string): ActivityRunRecord[] {
    return this.activityRuns.filter(
      (r) =>
        r.activityName === activityName && (pipelineRunId === undefined || r.pipelineRunId === pipelineRunId),
    );
  }
}
