/**
 * How a page shows that it is waiting or that a call failed. A refusal is a message with the server's own
 * words (a 403 names the missing permission), never a blank page.
 */
import { ApiError } from '../api/client.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  const api = error instanceof ApiError ? error : undefined;
  const title =
    api?.status === 403
      ? 'You do not have permission'
      : api?.status === 404
        ? 'Not found'
        : api?.status === 401
          ? 'Not signed in'
          : 'Something went wrong';
  return (
    <div className="error" role="alert">
      <strong>{title}</strong>
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}
