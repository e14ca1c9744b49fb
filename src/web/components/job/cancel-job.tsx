/**
 * Cancel, confirmed: the button asks first (inline, so it works with the keyboard and a screen reader),
 * and is disabled with the missing role named when the signed-in principal may not cancel jobs at the
 * job's endpoint. The server's refusal, if it still comes, is shown beside the button.
 */
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/context.ts';
import { usePermission } from '../../api/permissions.ts';
import { ErrorMessage } from '../status.tsx';
import { jobPath } from './job-wire.ts';
import { PermittedAction } from '../permitted-action.tsx';
import { useAction } from '../use-action.ts';

const CANCEL = 'Microsoft.MachineLearningServices/workspaces/jobs/cancel/action';

export function CancelJob({
  job,
  endpoint,
  ended,
}: {
  job: string;
  endpoint: string | undefined;
  ended: boolean;
}) {
  const api = useApi();
  const client = useQueryClient();
  const permission = usePermission(CANCEL, { endpoint });
  const [asking, setAsking] = useState(false);
  const cancel = useAction(async () => {
    await api.post(await api.ws(jobPath(job, '/cancel')));
    setAsking(false);
    await client.invalidateQueries({ queryKey: ['arm', jobPath(job)] });
  });
  if (ended) return null;
  return (
    <div className="job-cancel">
      {asking ? (
        <div role="group" aria-label="Confirm cancel">
          <span>Cancel job {job}? Mini-batches already scored are kept.</span>{' '}
          <button className="danger" disabled={cancel.busy} onClick={() => void cancel.run()}>
            Yes, cancel the job
          </button>{' '}
          <button
            disabled={cancel.busy}
            onClick={() => {
              setAsking(false);
            }}
          >
            Keep it running
          </button>
        </div>
      ) : (
        <PermittedAction
          permission={permission}
          onClick={() => {
            setAsking(true);
          }}
        >
          Cancel job
        </PermittedAction>
      )}
      {cancel.error !== undefined && <ErrorMessage error={cancel.error} />}
    </div>
  );
}
