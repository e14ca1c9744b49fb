/**
 * Live pages: one Server-Sent Events stream per open page, read with fetch (so it carries the session's
 * token, which EventSource cannot) through @microsoft/fetch-event-source, which reconnects after a drop
 * and sends `Last-Event-ID`, so the page picks up where it was. A renewed token is fetched on every
 * reconnect. The stream stops when the page closes or the server ends it (the state is final).
 */
import { useEffect, useRef, useState } from 'react';
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { ApiError } from './client.ts';
import { useApi } from './context.ts';
import { MANAGEMENT } from './session.ts';

export type StreamState = 'connecting' | 'live' | 'ended' | 'reconnecting';

class Fatal extends Error {}

/**
 * Follows `path` (a workspace path such as `/jobs/NAME/events`, or absolute when it starts with `//`),
 * calling `onEvent` with each event's parsed data. Returns the stream's state for a status badge and the
 * last event's data.
 */
export function useEventStream<T>(
  path: string | undefined,
  onEvent: (data: T, event: string) => void,
): { state: StreamState; error: ApiError | undefined; last: T | undefined } {
  const api = useApi();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<ApiError | undefined>();
  const [last, setLast] = useState<T | undefined>();
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    const run = async () => {
      const full = path.startsWith('//') ? path.slice(1) : await api.ws(path);
      await fetchEventSource(api.url(full), {
        signal: abort.signal,
        openWhenHidden: true,
        fetch: async (input, init) => {
          const token = await api.session.token(MANAGEMENT);
          const headers = new Headers(init?.headers);
          headers.set('authorization', `Bearer ${token}`);
          return fetch(input, { ...init, headers });
        },
        onopen: async (response) => {
          if (response.ok) {
            setState('live');
            setError(undefined);
            return;
          }
          const body = (await response.json().catch(() => ({}))) as {
            error?: { code?: string; message?: string };
          };
          const refused = new ApiError(
            response.status,
            body.error?.code ?? `Http${response.status}`,
            body.error?.message ?? response.statusText,
          );
          setError(refused);
          // A refusal will not change by retrying; a server error might.
          if (response.status < 500) throw new Fatal(refused.message);
          throw new Error(refused.message);
        },
        onmessage: (message) => {
          if (message.event === 'error') {
            setState('reconnecting');
            return;
          }
          if (message.data === '') return;
          const data = JSON.parse(message.data) as T;
          setLast(data);
          handler.current(data, message.event);
        },
        onclose: () => {
          setState('ended');
          // Returning ends it: the server closes a stream only when its state is final.
          abort.abort();
        },
        onerror: (err: unknown) => {
          if (err instanceof Fatal) throw err;
          setState('reconnecting');
          return 1000;
        },
      });
    };
    run().catch(() => {
      setState('ended');
    });
    return () => {
      abort.abort();
    };
  }, [api, path]);
  return { state, error, last };
}
