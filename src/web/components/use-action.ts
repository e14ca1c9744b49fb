/**
 * One click's call to the server, run at most once at a time: `busy` while it runs (the button that
 * started it is disabled meanwhile), and what it threw kept to be shown beside the button until the next
 * try. The action buttons (cancel, rerun, make default, download) all want exactly this, and a refusal
 * shown where it was asked for rather than lost.
 */
import { useState } from 'react';

export interface Action {
  busy: boolean;
  /** What the last try threw (an ApiError carries the server's words), or undefined. */
  error: unknown;
  /** The error's message, for a one-line note. */
  message: string | undefined;
  run: () => Promise<void>;
  /** Forget the last error (a dialog opened afresh). */
  clear: () => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function useAction(act: () => Promise<void>): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await act();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    message: error === undefined ? undefined : messageOf(error),
    run,
    clear: () => {
      setError(undefined);
    },
  };
}
