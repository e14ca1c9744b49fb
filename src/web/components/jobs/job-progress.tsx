/**
 * How far a job is: a progress bar of mini-batches done out of all, with the numbers in words beside it
 * for screen readers and for anyone who would rather read than estimate a bar's length.
 */
import { doneOf, type JobResource } from './job-wire.ts';

/** A job that ended before it was planned (or was seeded so) has no progress to show, not "Planning". */
const ENDED = ['Completed', 'Failed', 'Canceled'];

export function JobProgressBar({ job }: { job: JobResource }) {
  const done = doneOf(job);
  if (!done)
    return <span className="muted">{ENDED.includes(job.properties.status) ? '—' : 'Planning…'}</span>;
  const items = job.properties.progress?.items;
  const label = `${done.done} of ${done.total} mini-batches`;
  return (
    <div className="job-progress">
      <progress max={done.total} value={done.done} aria-label={`${job.name}: ${label}`} />
      <span className="muted">
        {label}
        {items ? `, ${items.succeeded + items.failed}/${items.total} items` : ''}
        {items?.failed ? `, ${items.failed} failed` : ''}
      </span>
    </div>
  );
}
