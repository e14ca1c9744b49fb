/**
 * The jobs list's state, kept in the page's URL so a filtered page can be pasted in a ticket:
 * `?endpoint=&deployment=&status=&creator=&since=&until=` and `page`, the `$skipToken`s that led to the
 * current page joined by '.' (base64url never holds one). The server pages forward only; keeping the
 * trail makes "Previous" a step back along it and a pasted link open the very same page.
 */
import { useSearchParams } from 'react-router';

export const FILTER_NAMES = ['endpoint', 'deployment', 'status', 'creator', 'since', 'until'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type Filters = Record<FilterName, string>;

export function useJobListParams() {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(FILTER_NAMES.map((n) => [n, params.get(n) ?? ''])) as Filters;
  const trail = (params.get('page') ?? '').split('.').filter((t) => t !== '');
  const write = (next: Filters, pages: readonly string[]) => {
    const search = new URLSearchParams();
    for (const n of FILTER_NAMES) if (next[n].trim() !== '') search.set(n, next[n].trim());
    if (pages.length > 0) search.set('page', pages.join('.'));
    setParams(search);
  };
  return {
    filters,
    /** The token of the page shown, undefined on the first. */
    skipToken: trail.at(-1),
    pageNumber: trail.length + 1,
    /** New filters start again at the newest job. */
    apply: (next: Filters) => {
      write(next, []);
    },
    next: (token: string) => {
      write(filters, [...trail, token]);
    },
    previous: () => {
      write(filters, trail.slice(0, -1));
    },
  };
}

/** The `$skipToken` a nextLink carries, if it carries one. */
export function tokenOf(nextLink: string | null | undefined): string | undefined {
  if (!nextLink) return undefined;
  return new URL(nextLink, window.location.origin).searchParams.get('$skipToken') ?? undefined;
}
