/**
 * Redirects calls meant for an Azure host to a local one, for WebActivity's `rewriteUrl` port. The
 * service-principal Run-BatchEndpoint template (spec §5.5) posts to `https://login.microsoftonline.com/
 * {tenant}/oauth2/token` itself; pointing that origin at Nightshift's token service lets the unmodified
 * pipeline run. Messages and the input record keep the URL the pipeline wrote.
 */

/** The origins Entra ID answers token requests on. */
const ENTRA_AUTHORITY_ORIGINS = [
  'https://login.microsoftonline.com',
  'https://login.windows.net',
  'https://sts.windows.net',
] as const;

/**
 * Maps each origin (`scheme://host[:port]`) to a base URL; the path and query are appended to the base's
 * path. URLs on other origins pass through unchanged.
 */
export function createOriginRewriter(map: Readonly<Record<string, string>>): (url: URL) => URL {
  const bases = new Map(Object.entries(map).map(([origin, base]) => [new URL(origin).origin, new URL(base)]));
  return (url) => {
    const base = bases.get(url.origin);
    if (base === undefined) return url;
    const rewritten = new URL(base.toString());
    rewritten.pathname = `${base.pathname.replace(/\/+$/, '')}${url.pathname}`;
    rewritten.search = url.search;
    rewritten.hash = url.hash;
    return rewritten;
  };
}

/** Sends Entra ID token traffic to `authority` (Nightshift's own URL, for instance). */
export function entraAuthorityRewriter(authority: string): (url: URL) => URL {
  return createOriginRewriter(
    Object.fromEntries(ENTRA_AUTHORITY_ORIGINS.map((origin) => [origin, authority])),
  );
}
