/**
 * A datastore's folders and files. The path is in the URL: a folder's ends with a slash, a file's does
 * not, so the page asks the server for one thing only (the folder's listing, or the file's first rows) and
 * a pasted link opens the same view. A file shows its preview and a download button.
 */
import { useParams, useSearchParams } from 'react-router';
import { useArm } from '../api/context.ts';
import { Breadcrumbs } from '../components/data/breadcrumbs.tsx';
import { encodePath, formatBytes } from '../components/data/datastore-links.ts';
import { DownloadButton } from '../components/data/download-button.tsx';
import { FolderTable, type FolderListing } from '../components/data/folder-table.tsx';
import { PreviewTable, type FilePreview } from '../components/data/preview-table.tsx';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/data.css';

const PREVIEW_ROWS = 50;

export function DatastoreBrowser() {
  const params = useParams();
  const [search] = useSearchParams();
  const name = params.name ?? '';
  const splat = params['*'] ?? '';
  const isFolder = splat === '' || splat.endsWith('/');
  const path = splat.replace(/\/+$/, '');
  const base = `/datastores/${encodeURIComponent(name)}`;
  const page = search.get('page') ?? undefined;
  const listing = useArm<FolderListing>(isFolder ? `${base}/folders` : undefined, {
    path,
    $skipToken: page,
  });
  const preview = useArm<FilePreview>(isFolder ? undefined : `${base}/preview/${encodePath(path)}`, {
    rows: PREVIEW_ROWS,
  });
  const title = path === '' ? name : (path.split('/').at(-1) ?? path);
  return (
    <>
      <Breadcrumbs datastore={name} path={path} />
      <h1>{title}</h1>
      {isFolder ? (
        <>
          {listing.isPending && <Loading what="the folder" />}
          {listing.error && <ErrorMessage error={listing.error} />}
          {listing.data && <FolderTable datastore={name} listing={listing.data} />}
        </>
      ) : (
        <>
          <p className="file-actions">
            <DownloadButton datastore={name} path={path} />
            {preview.data && <span className="muted"> {formatBytes(preview.data.size)}</span>}
          </p>
          {preview.isPending && <Loading what="the preview" />}
          {preview.error && <ErrorMessage error={preview.error} />}
          {preview.data && <PreviewTable preview={preview.data} />}
        </>
      )}
    </>
  );
}
