/**
 * The audit log, newest first, filtered by principal, action, resource, result and time. Filters and the
 * page are in the URL query, so a filtered view is a link; pages follow the server's nextLink (keyset
 * paging, so entries appended meanwhile neither repeat nor hide one).
 */
import { Link, useSearchParams } from 'react-router';
import { useArm } from '../api/context.ts';
import { AuditFilters, FILTERS, type Filters } from '../components/audit/audit-filters.tsx';
import { AuditTable, type AuditEntry } from '../components/audit/audit-table.tsx';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/data.css';

const PAGE_SIZE = 50;

interface AuditPage {
  value: AuditEntry[];
  nextLink: string | null;
}

function skipTokenOf(nextLink: string | null): string | undefined {
  if (nextLink === null) return undefined;
  return new URL(nextLink, window.location.origin).searchParams.get('$skipToken') ?? undefined;
}

export function AuditLog() {
  const [params, setParams] = useSearchParams();
  const applied: Filters = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value !== null && value !== '') applied[name] = value;
  }
  const page = params.get('page') ?? undefined;
  const log = useArm<AuditPage>('//nightshift/auditLogs', { ...applied, limit: PAGE_SIZE, $skipToken: page });
  const linkWith = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...applied, page, ...changes }))
      if (v !== undefined && v !== '') next.set(k, v);
    return `?${next.toString()}`;
  };
  const apply = (filters: Filters) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v.trim() !== '') next.set(k, v.trim());
    setParams(next);
  };
  const older = skipTokenOf(log.data?.nextLink ?? null);
  const badFilter = log.error?.status === 400 && log.error.target !== undefined ? log.error : null;
  return (
    <>
      <h1>Audit log</h1>
      <AuditFilters key={params.toString()} applied={applied} error={badFilter} onApply={apply} />
      {log.isPending && <Loading what="the audit log" />}
      {log.error && !badFilter && <ErrorMessage error={log.error} />}
      {log.data && log.data.value.length === 0 && <p className="muted">No entries match these filters.</p>}
      {log.data && log.data.value.length > 0 && (
        <AuditTable
          entries={log.data.value}
          filterLink={(name, value) => linkWith({ [name]: value, page: undefined })}
        />
      )}
      <nav aria-label="Pages" className="pager">
        {page !== undefined && <Link to={linkWith({ page: undefined })}>Newest entries</Link>}
        {older !== undefined && <Link to={linkWith({ page: older })}>Older entries</Link>}
      </nav>
    </>
  );
}
