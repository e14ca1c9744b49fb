/**
 * How far a job is: a progress bar of mini-batches done out of all, with the numbers in words beside it
 * for screen readers and for anyone who would rather read than estimate a bar's length.
 */
import { doneOf, type JobResource } from './job-wire.ts';

export function JobProgressBar({ job }: { job: JobResource }) {
  const done = doneOf(job);
  if (!done) return <span className="muted">Planning…</span>;
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
