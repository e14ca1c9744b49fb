/**
 * The job's mini-batches, a page at a time (the page number is in the URL, so a link to page 7 opens
 * page 7): state, attempts, items, rows, duration, worker and the first line of the error. The table
 * scrolls inside its own box on a narrow screen.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import type { MiniBatchPage } from './job-wire.ts';

interface Props {
  query: UseQueryResult<MiniBatchPage, ApiError>;
  page: number;
  onPage: (page: number) => void;
}

function duration(ms: number | null): string {
  return ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function Pager({
  page,
  pageCount,
  onPage,
}: {
  page: number;
  pageCount: number;
  onPage: (p: number) => void;
}) {
  return (
    <nav className="job-pager" aria-label="Mini-batch pages">
      <button
        disabled={page <= 1}
        onClick={() => {
          onPage(page - 1);
        }}
      >
        Previous page
      </button>
      <span aria-current="page">
        Page {page} of {pageCount}
      </span>
      <button
        disabled={page >= pageCount}
        onClick={() => {
          onPage(page + 1);
        }}
      >
        Next page
      </button>
    </nav>
  );
}

export function MiniBatchTable({ query, page, onPage }: Props) {
  return (
    <section aria-labelledby="mini-batches-heading">
      <h2 id="mini-batches-heading">Mini-batches</h2>
      {query.error ? (
        <ErrorMessage error={query.error} />
      ) : query.data === undefined ? (
        <Loading what="mini-batches" />
      ) : (
        <>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Mini-batch table">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Items</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Worker</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {query.data.value.map((b) => (
                  <tr key={b.index}>
                    <td>{b.index}</td>
                    <td className={`mb-${b.state}`}>{b.state}</td>
                    <td>{b.attempts}</td>
                    <td>
                      {b.succeeded + b.failed} / {b.items}
                    </td>
                    <td>{b.rows}</td>
                    <td>{duration(b.durationMs)}</td>
                    <td>{b.worker ?? '—'}</td>
                    <td className="job-mb-error">
                      {b.error === null ? '' : `${b.errorCode ?? ''} ${b.error}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {query.data.value.length === 0 && <p className="muted">No mini-batches on this page.</p>}
          </div>
          <Pager page={page} pageCount={query.data.pageCount} onPage={onPage} />
        </>
      )}
    </section>
  );
}
