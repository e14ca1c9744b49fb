/**
 * Text files of a job read through its REST routes (a log, the head of the output), as react-query
 * queries keyed like `useArm`'s, so the page's refresh on a job change reaches them too. The head reads at
 * most `maxBytes` and stops the download there: a preview of a large output costs the first bytes only.
 */
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/context.ts';

async function head(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return (await response.text()).slice(0, maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all.subarray(0, maxBytes));
}

/** GET a workspace path as text (its first `maxBytes` when given); disabled while `path` is undefined. */
export function useJobFile(path: string | undefined, maxBytes?: number): UseQueryResult<string, ApiError> {
  const api = useApi();
  return useQuery<string, ApiError>({
    queryKey: ['arm', path, { text: maxBytes ?? 'all' }],
    enabled: path !== undefined,
    queryFn: async () => {
      const response = await api.request('GET', await api.ws(path ?? ''));
      return maxBytes === undefined ? response.text() : head(response, maxBytes);
    },
  });
}

/** Downloads a workspace path as a file named `name` (the route needs the session's token, a link cannot carry it). */
export async function downloadJobFile(
  api: ReturnType<typeof useApi>,
  path: string,
  name: string,
): Promise<void> {
  const response = await api.request('GET', await api.ws(path));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
