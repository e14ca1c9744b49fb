/**
 * Audit entries as a table, newest first: when (viewer's zone, UTC on hover), who, what, on which
 * resource, and how it ended. A principal or a resource is a link that filters the log by it.
 */
import { Link } from 'react-router';
import { Time } from '../time.tsx';

export interface AuditEntry {
  seq?: number;
  time: string;
  principal: string;
  principalId: string;
  action: string;
  scope: string;
  method: string;
  path: string;
  status: number;
  result: string;
  detail?: string;
}

/** The path inside the workspace or factory, which is what tells entries apart (the prefix is the same on all). */
function resourceOf(entry: AuditEntry): string {
  return (
    entry.path.replace(
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/(workspaces|factories)\/[^/]+/i,
      '',
    ) || entry.path
  );
}

export function AuditTable({
  entries,
  filterLink,
}: {
  entries: AuditEntry[];
  filterLink: (name: string, value: string) => string;
}) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit entries">
      <table className="audit">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Principal</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => {
            const who = e.principal || e.principalId;
            const resource = resourceOf(e);
            return (
              <tr key={e.seq ?? i}>
                <td className="time-cell">
                  <Time iso={e.time} />
                </td>
                <td className="principal-cell">
                  {who === '' ? (
                    <span className="muted">(no token)</span>
                  ) : (
                    <Link to={filterLink('principal', who)}>{who}</Link>
                  )}
                </td>
                <td className="path-cell">
                  <code>{e.action}</code>
                </td>
                <td className="path-cell">
                  <span className="muted">{e.method}</span>{' '}
                  <Link to={filterLink('resource', resource)}>{resource}</Link>
                </td>
                <td>
                  <span className={`result-${e.result}`}>{e.result}</span>{' '}
                  <span className="muted">{e.status}</span>
                  {e.detail !== undefined && <div className="muted">{e.detail}</div>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
