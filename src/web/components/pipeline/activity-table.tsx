/** The activity runs as a table: the timeline's data for screen readers and exact times. */
import { Time } from '../time.tsx';
import { activityLabel } from './activity-timeline.tsx';
import { formatDuration, RunStatus } from './format.tsx';
import type { ActivityRun } from './factory-api.ts';

export function ActivityTable(props: {
  activities: ActivityRun[];
  selected: string | undefined;
  onSelect: (activityRunId: string) => void;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Activity runs table">
      <table>
        <caption className="sr-only">Activity runs, in the order they started</caption>
        <thead>
          <tr>
            <th scope="col">Activity</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Ended</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.activities.map((a) => (
            <tr key={a.activityRunId} aria-selected={props.selected === a.activityRunId}>
              <th scope="row">{activityLabel(a)}</th>
              <td>{a.activityType}</td>
              <td>
                <RunStatus status={a.status} />
              </td>
              <td>
                <Time iso={a.activityRunStart ?? undefined} />
              </td>
              <td>
                <Time iso={a.activityRunEnd ?? undefined} />
              </td>
              <td>{formatDuration(a.durationInMs)}</td>
              <td>
                <button
                  type="button"
                  aria-pressed={props.selected === a.activityRunId}
                  onClick={() => {
                    props.onSelect(a.activityRunId);
                  }}
                >
                  Input and output<span className="sr-only"> of {activityLabel(a)}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
