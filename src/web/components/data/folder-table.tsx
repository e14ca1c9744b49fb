/**
 * One folder level of a datastore: folders first, then files with size and time, paged by the server.
 * The page token is kept in the URL (`?page=`), so a later page can be linked to as well.
 */
import { Link, useSearchParams } from 'react-router';
import { Time } from '../time.tsx';
import { browserLink, formatBytes } from './datastore-links.ts';

export interface FolderEntry {
  name: string;
  path: string;
  kind: 'folder' | 'file';
  size?: number;
  lastModified?: string;
}

export interface FolderListing {
  path: string;
  value: FolderEntry[];
  nextLink: string | null;
}

/** The `$skipToken` of a nextLink, which the studio keeps as `?page=`. */
function tokenOf(nextLink: string | null): string | undefined {
  if (nextLink === null) return undefined;
  return new URL(nextLink, window.location.origin).searchParams.get('$skipToken') ?? undefined;
}

export function FolderTable({ datastore, listing }: { datastore: string; listing: FolderListing }) {
  const [params] = useSearchParams();
  const next = tokenOf(listing.nextLink);
  const paged = params.has('page');
  if (listing.value.length === 0 && !paged) return <p className="muted">This folder is empty.</p>;
  return (
    <>
      <div
        className="table-wrap"
        tabIndex={0}
        role="region"
        aria-label={`Contents of ${listing.path || 'the root'}`}
      >
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Size</th>
              <th scope="col">Modified</th>
            </tr>
          </thead>
          <tbody>
            {listing.value.map((e) => (
              <tr key={e.path}>
                <td>
                  <Link to={browserLink(datastore, e.path, e.kind)} className={`entry-${e.kind}`}>
                    {e.kind === 'folder' ? `${e.name}/` : e.name}
                  </Link>
                </td>
                <td>{e.kind === 'folder' ? 'Folder' : 'File'}</td>
                <td>{e.kind === 'file' ? formatBytes(e.size) : ''}</td>
                <td>{e.kind === 'file' ? <Time iso={e.lastModified} /> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pages" className="pager">
        {paged && <Link to="?">First page</Link>}
        {next !== undefined && (
          <Link to={`?${new URLSearchParams({ page: next }).toString()}`}>Next page</Link>
        )}
      </nav>
    </>
  );
}
