/**
 * "Rerun failed" on an ended job with failed or canceled mini-batches: it starts a new job that scores
 * only those and reuses the rest (POST {ws}/jobs/{job}/rerun?failedOnly=true), then opens the new job's
 * page. Disabled with the missing role named when the signed-in principal may not start jobs at the
 * job's endpoint, as invoking needs; the server's refusal (the model, code or an input changed since) is
 * shown beside the button.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../../api/context.ts';
import { usePermission } from '../../api/permissions.ts';
import { ErrorMessage } from '../status.tsx';
import { jobPath } from './job-wire.ts';

const INVOKE = 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs/write';

export function RerunJob({
  job,
  endpoint,
  unfinished,
}: {
  job: string;
  endpoint: string | undefined;
  /** Whether the job ended with mini-batches that failed or were canceled. */
  unfinished: boolean;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const permission = usePermission(INVOKE, { endpoint });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const refused = permission.allowed === false;
  const rerun = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.post<{ name: string }>(await api.ws(jobPath(job, '/rerun?failedOnly=true')));
      void navigate(`/studio/jobs/${encodeURIComponent(started.name)}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (!unfinished) return null;
  return (
    <div className="job-cancel">
      <button disabled={refused || busy} title={permission.reason} onClick={() => void rerun()}>
        Rerun failed
      </button>
      {refused && <p className="muted job-cancel-reason">{permission.reason}</p>}
      {error !== undefined && <ErrorMessage error={error} />}
    </div>
  );
}
