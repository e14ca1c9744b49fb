/**
 * Jobs: every job of the workspace, newest first, a page at a time from the server (which filters and
 * pages, so 10,000 jobs cost one page), with filters kept in the URL (`?endpoint=&deployment=&status=&
 * creator=&since=&until=`; the endpoint page links to `?endpoint=NAME`). The endpoints for the filter
 * and the page of jobs are fetched side by side.
 */
import { ApiError } from '../api/client.ts';
import { useArm, type ArmList } from '../api/context.ts';
import { ErrorMessage, Loading } from '../components/status.tsx';
import { JobFilters } from '../components/jobs/job-filters.tsx';
import { FILTER_NAMES, tokenOf, useJobListParams } from '../components/jobs/job-list-params.ts';
import type { JobResource } from '../components/jobs/job-wire.ts';
import { JobsTable } from '../components/jobs/jobs-table.tsx';
import '../styles/jobs.css';

const PAGE_SIZE = 50;

function Pager(props: {
  page: number;
  next: string | undefined;
  onPrevious: () => void;
  onNext: () => void;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={props.page <= 1} onClick={props.onPrevious}>
        Previous page
      </button>
      <span aria-live="polite">Page {props.page}</span>
      <button type="button" disabled={props.next === undefined} onClick={props.onNext}>
        Next page
      </button>
    </nav>
  );
}

export function JobList() {
  const state = useJobListParams();
  const { filters } = state;
  const endpoints = useArm<ArmList<{ name: string }>>('/batchEndpoints');
  const jobs = useArm<ArmList<JobResource> & { nextLink?: string | null }>('/jobs', {
    ...filters,
    $top: PAGE_SIZE,
    $skipToken: state.skipToken,
  });
  const refused =
    jobs.error instanceof ApiError && jobs.error.status === 400 && jobs.error.target
      ? { field: jobs.error.target, message: jobs.error.message }
      : undefined;
  // A refused filter is shown beside its field (the form), not a second time above the table.
  const fieldRefused =
    refused && (FILTER_NAMES as readonly string[]).includes(refused.field) ? refused : undefined;
  const next = tokenOf(jobs.data?.nextLink);
  const filtered = FILTER_NAMES.some((n) => filters[n] !== '');
  return (
    <section className="jobs-page">
      <h1>Jobs</h1>
      <JobFilters
        key={FILTER_NAMES.map((n) => filters[n]).join('\u0000')}
        filters={filters}
        endpoints={endpoints.data?.value.map((e) => e.name) ?? []}
        refused={fieldRefused}
        onApply={state.apply}
      />
      {jobs.isPending ? <Loading what="jobs" /> : null}
      {jobs.error && !fieldRefused ? <ErrorMessage error={jobs.error} /> : null}
      {jobs.data ? (
        jobs.data.value.length === 0 ? (
          <p className="muted">{filtered ? 'No job matches these filters.' : 'No jobs yet.'}</p>
        ) : (
          <JobsTable jobs={jobs.data.value} caption={`Jobs, page ${state.pageNumber}`} />
        )
      ) : null}
      <Pager
        page={state.pageNumber}
        next={next}
        onPrevious={state.previous}
        onNext={() => {
          if (next) state.next(next);
        }}
      />
    </section>
  );
}
