/**
 * Cancel a run, confirmed first (a second button, so a stray click or Enter does nothing), disabled with
 * the missing role named when the principal may not cancel, and disabled once the run has ended. The
 * live stream shows the outcome; a refusal (409 when it ended meanwhile) is shown beside the button.
 */
import { useState } from 'react';
import { useApi } from '../../api/context.ts';
import type { Permission } from '../../api/permissions.ts';
import { ENDED_STATUSES, factoryPath } from './factory-api.ts';
import { PermittedAction } from '../permitted-action.tsx';
import { useAction } from '../use-action.ts';

/** `permission` is asked by the page as it opens, beside the run, not after the run has loaded. */
export function CancelRun(props: { runId: string; status: string; permission: Permission }) {
  const { runId, status, permission } = props;
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const ended = ENDED_STATUSES.has(status);
  const cancel = useAction(async () => {
    await api.post(`${await factoryPath(api)}/pipelineruns/${encodeURIComponent(runId)}/cancel`);
    setConfirming(false);
  });
  return (
    <div className="cancel-run">
      {confirming ? (
        <span role="group" aria-label="Confirm cancel">
          <span>Cancel this run? Running activities are stopped. </span>
          <button type="button" className="danger" disabled={cancel.busy} onClick={() => void cancel.run()}>
            {cancel.busy ? 'Cancelling…' : 'Yes, cancel the run'}
          </button>{' '}
          <button
            type="button"
            onClick={() => {
              setConfirming(false);
            }}
          >
            Keep it running
          </button>
        </span>
      ) : (
        <PermittedAction
          permission={permission}
          unavailable={ended ? `The run is ${status}.` : undefined}
          onClick={() => {
            setConfirming(true);
          }}
        >
          Cancel run
        </PermittedAction>
      )}
      {cancel.message !== undefined && (
        <span className="field-error" role="alert">
          {cancel.message}
        </span>
      )}
    </div>
  );
}
