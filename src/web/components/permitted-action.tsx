/**
 * A button the signed-in principal may be refused: disabled when `usePermission` says no, with the
 * missing role named right beside it, in the same words and the same place on every page. The reason is
 * the button's accessible description (aria-describedby), so a screen reader announces why the button is
 * dimmed, and it is the tooltip too. While the permissions answer is loading the button stays enabled:
 * the server checks every call anyway, and this only spares a click that would fail.
 *
 * The permission is passed in rather than asked for here, so a page can start that query as it opens,
 * beside its other queries, instead of after the part holding the button has loaded.
 */
import { useId, type ReactNode } from 'react';
import type { Permission } from '../api/permissions.ts';

interface Props {
  permission: Permission;
  /** The button's text. */
  children: ReactNode;
  type?: 'button' | 'submit';
  className?: string | undefined;
  /** Disabled for a moment with no reason to give (the action is under way). */
  busy?: boolean;
  /** Disabled for a reason other than a missing role (the run has ended); shown as the tooltip. */
  unavailable?: string | undefined;
  onClick?: () => void;
}

export function PermittedAction(props: Props) {
  const { permission, busy = false, unavailable } = props;
  const reasonId = useId();
  const refused = permission.allowed === false;
  // A missing role is only worth naming while the action could otherwise be taken.
  const why = unavailable === undefined && refused ? permission.reason : undefined;
  return (
    <span className="permitted-action">
      <button
        type={props.type ?? 'button'}
        className={props.className}
        disabled={busy || refused || unavailable !== undefined}
        title={permission.reason ?? unavailable}
        aria-describedby={why === undefined ? undefined : reasonId}
        onClick={props.onClick}
      >
        {props.children}
      </button>
      {why !== undefined && (
        <span id={reasonId} className="permission-reason">
          {why}
        </span>
      )}
    </span>
  );
}
