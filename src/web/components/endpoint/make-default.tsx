/**
 * "Make default": one click on a deployment's row, confirmed in a modal dialog, then the same PATCH of
 * the endpoint's `defaults.deploymentName` that `az ml batch-endpoint update --set
 * defaults.deployment_name=...` sends, so the switch (a rollback, often) is audited like any other call.
 * The server's refusal is shown in the dialog, which stays open.
 */
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/context.ts';
import type { Permission } from '../../api/permissions.ts';
import { endpointPath } from './resources.ts';
import { PermittedAction } from '../permitted-action.tsx';
import { useAction } from '../use-action.ts';

interface Props {
  endpoint: string;
  deployment: string;
  current: string | null;
  permission: Permission;
}

function useSwitchDefault(endpoint: string, deployment: string, onDone: () => void) {
  const api = useApi();
  const queries = useQueryClient();
  return useAction(async () => {
    await api.patch(await api.ws(endpointPath(endpoint)), {
      properties: { defaults: { deploymentName: deployment } },
    });
    await queries.invalidateQueries({ queryKey: ['arm'] });
    onDone();
  });
}

export function MakeDefault({ endpoint, deployment, current, permission }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const change = useSwitchDefault(endpoint, deployment, () => {
    setOpen(false);
  });
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  return (
    <>
      <PermittedAction
        permission={permission}
        onClick={() => {
          change.clear();
          setOpen(true);
        }}
      >
        Make default
      </PermittedAction>
      <dialog
        ref={dialog}
        aria-labelledby={`default-title-${deployment}`}
        onClose={() => {
          setOpen(false);
        }}
      >
        <h2 id={`default-title-${deployment}`}>Make {deployment} the default?</h2>
        <p>
          Jobs invoked on <strong>{endpoint}</strong> without a deployment will run on{' '}
          <strong>{deployment}</strong>
          {current === null ? '' : ` instead of ${current}`}. Jobs already running are not affected.
        </p>
        {change.message === undefined ? null : (
          <p className="error" role="alert">
            {change.message}
          </p>
        )}
        <div className="actions">
          <button type="button" className="primary" disabled={change.busy} onClick={() => void change.run()}>
            {change.busy ? 'Switching…' : `Make ${deployment} default`}
          </button>
          <button
            type="button"
            onClick={() => {
              setOpen(false);
            }}
          >
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
