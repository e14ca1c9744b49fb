/** Where a datastore page is: Datastores › NAME › each folder on the way, each a link but the last. */
import { Link } from 'react-router';
import { browserLink } from './datastore-links.ts';

export function Breadcrumbs({ datastore, path }: { datastore: string; path: string }) {
  const parts = path.split('/').filter((p) => p !== '');
  const crumbs: { label: string; to: string }[] = [
    { label: 'Datastores', to: '/studio/datastores' },
    { label: datastore, to: browserLink(datastore, '', 'folder') },
    ...parts.map((part, i) => ({
      label: part,
      to: browserLink(datastore, parts.slice(0, i + 1).join('/'), i === parts.length - 1 ? 'file' : 'folder'),
    })),
  ];
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {crumbs.map((c, i) => (
          <li key={c.to}>
            {i === crumbs.length - 1 ? (
              <span aria-current="page">{c.label}</span>
            ) : (
              <Link to={c.to}>{c.label}</Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
