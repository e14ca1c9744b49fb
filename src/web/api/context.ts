/**
 * The API client and session as React context, and the hooks pages read data with: `useArm` fetches a
 * workspace path through react-query, so pages that need several things start every fetch at once (no
 * waterfalls) and share cached answers.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ApiClient, Query } from './client.ts';
import type { ApiError } from './client.ts';

export const ApiContext = createContext<ApiClient | undefined>(undefined);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside <ApiContext>');
  return api;
}

export function useSignedIn(): boolean {
  const api = useApi();
  return useSyncExternalStore(
    (listener) => api.session.subscribe(listener),
    () => api.session.signedIn,
  );
}

/**
 * GET a path under the workspace (`/batchEndpoints`), or an absolute path when it starts with `//`
 * replaced by `/` (`//nightshift/auditLogs`). Disabled while `path` is undefined.
 */
export function useArm<T>(
  path: string | undefined,
  query?: Query,
  options: { refetchInterval?: number } = {},
): UseQueryResult<T, ApiError> {
  const api = useApi();
  return useQuery<T, ApiError>({
    queryKey: ['arm', path, query],
    enabled: path !== undefined,
    ...(options.refetchInterval === undefined ? {} : { refetchInterval: options.refetchInterval }),
    queryFn: async () => {
      const p = path ?? '';
      const full = p.startsWith('//') ? p.slice(1) : await api.ws(p);
      return api.get<T>(full, query);
    },
  });
}

/** ARM list bodies: `{ value: [...], nextLink? }`. */
export interface ArmList<T> {
  value: T[];
  nextLink?: string;
}
