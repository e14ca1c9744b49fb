/**
 * Which token audience a path takes, as Azure splits them: the data plane (scoring URIs, `/endpoints/...`)
 * takes tokens for https://ml.azure.com, everything else (ARM paths, Nightshift's own management routes)
 * tokens for https://management.azure.com. Shared by the server's check and the clients that fetch tokens.
 */
export const DATA_PLANE_AUDIENCE = 'https://ml.azure.com';
export const MANAGEMENT_AUDIENCE = 'https://management.azure.com';

export function audienceForPath(path: string): string {
  const pathname = /^https?:\/\//i.test(path) ? new URL(path).pathname : path;
  return /^\/+endpoints(\/|$)/i.test(pathname) ? DATA_PLANE_AUDIENCE : MANAGEMENT_AUDIENCE;
}
