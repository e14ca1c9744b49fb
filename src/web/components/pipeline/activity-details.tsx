/**
 * The selected activity run: its status, its error up front when it failed, and its input and output as
 * the server stored them (SecureString values and credentials already `***`: the browser never gets them).
 */
import { activityLabel } from './activity-timeline.tsx';
import { formatDuration, JsonBlock, RunStatus } from './format.tsx';
import type { ActivityRun } from './factory-api.ts';

export function ActivityDetails({ activity }: { activity: ActivityRun | undefined }) {
  if (activity === undefined) {
    return <p className="muted">Select an activity on the timeline to see its input and output.</p>;
  }
  const name = activityLabel(activity);
  return (
    <section className="activity-details" aria-labelledby="activity-heading">
      <h3 id="activity-heading">
        {name} <span className="muted">({activity.activityType})</span>
      </h3>
      <p>
        <RunStatus status={activity.status} /> · {formatDuration(activity.durationInMs)}
      </p>
      {activity.error?.message !== undefined && activity.error.message !== '' && (
        <div className="error" role="note">
          <strong>Error {activity.error.errorCode ?? ''}</strong>
          <p>{activity.error.message}</p>
        </div>
      )}
      <div className="io">
        <div>
          <h4>Input</h4>
          <JsonBlock value={activity.input} label={`Input of ${name}`} />
        </div>
        <div>
          <h4>Output</h4>
          <JsonBlock value={activity.output} label={`Output of ${name}`} />
        </div>
      </div>
    </section>
  );
}
