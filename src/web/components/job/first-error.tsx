/**
 * The job's first real error, up front: its code and message, where it happened (mini-batch, file,
 * attempt, worker) and its stack, so nobody has to dig through the log tree to learn why a job failed.
 */
import type { JobError } from './job-wire.ts';

export function FirstError({ error }: { error: JobError }) {
  const where = [
    error.miniBatch !== undefined && `mini-batch ${error.miniBatch}`,
    error.file && `file ${error.file}`,
    error.attempt !== undefined && `attempt ${error.attempt}`,
    error.worker && `worker ${error.worker}`,
  ].filter((w): w is string => typeof w === 'string');
  return (
    <section className="job-first-error" aria-labelledby="first-error-heading">
      <h2 id="first-error-heading">First error</h2>
      <p>
        <code>{error.code}</code> {error.message}
      </p>
      {where.length > 0 && <p className="muted">{where.join(' · ')}</p>}
      {error.stack !== undefined && error.stack !== '' && (
        <pre aria-label="Stack trace" tabIndex={0}>
          {error.stack}
        </pre>
      )}
    </section>
  );
}
