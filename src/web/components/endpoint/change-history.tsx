/**
 * A deployment's history of changes from the audit log: every create, update or delete of it, who made it,
 * when, and whether it went through (a refused change is history too). Read from `GET
 * /nightshift/auditLogs` filtered to deployment writes and deletes of this deployment (the `resource`
 * filter narrows it on the server where that filter exists; the path is checked here as well, so only
 * this deployment's entries show either way).
 */
import { useArm, type ArmList } from '../../api/context.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import { Time } from '../time.tsx';
import { deploymentPath, type AuditEntry } from './resources.ts';

/** Enough for a deployment's changes; the audit page has the rest. */
const HISTORY_LIMIT = 500;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function useChangeHistory(endpoint: string, deployment: string) {
  const resource = deploymentPath(endpoint, deployment);
  return useArm<ArmList<AuditEntry>>('//nightshift/auditLogs', {
    action: 'batchEndpoints/deployments/',
    resource,
    limit: HISTORY_LIMIT,
  });
}

function ownEntries(entries: AuditEntry[], endpoint: string, deployment: string): AuditEntry[] {
  const own = new RegExp(`${escape(deploymentPath(endpoint, deployment))}(?:$|[?#])`, 'i');
  return entries.filter((e) => own.test(e.path) && /\/(write|delete)$/i.test(e.action));
}

const VERBS: Record<string, string> = { PUT: 'Created or updated', PATCH: 'Updated', DELETE: 'Deleted' };

/** A PUT answered 201 made the deployment, 200 changed it (ARM's convention, which the server keeps). */
function verb(entry: AuditEntry): string {
  if (entry.method.toUpperCase() === 'PUT' && entry.status === 201) return 'Created';
  if (entry.method.toUpperCase() === 'PUT' && entry.status === 200) return 'Updated';
  return VERBS[entry.method.toUpperCase()] ?? entry.method;
}

export function ChangeHistory({
  query,
  endpoint,
  deployment,
}: {
  query: ReturnType<typeof useChangeHistory>;
  endpoint: string;
  deployment: string;
}) {
  if (query.isPending) return <Loading what="the history" />;
  if (query.error) return <ErrorMessage error={query.error} />;
  const entries = ownEntries(query.data.value, endpoint, deployment);
  if (entries.length === 0) return <p className="muted">No changes recorded.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Changes to {deployment}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col">By</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.time}-${String(i)}`}>
              <td>
                <Time iso={e.time} />
              </td>
              <td>{verb(e)}</td>
              <td>{e.principal === '' ? <span className="muted">anonymous</span> : e.principal}</td>
              <td className={e.result === 'Succeeded' ? 'ok' : 'bad'}>
                {e.result} ({e.status}){e.detail === undefined ? '' : ` · ${e.detail}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
