/**
 * One data asset's rows in the data assets table: each version with its type, its path (a link into the
 * datastore browser when it is in a datastore) and its description.
 */
import { Link } from 'react-router';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import type { ArmList } from '../../api/context.ts';
import { Time } from '../time.tsx';
import { browserLink, parseDatastoreUri } from './datastore-links.ts';

export interface DataVersion {
  name: string;
  properties: { dataType?: string; dataUri?: string; description?: string };
  systemData?: { createdAt?: string };
}

function PathLink({ uri, type }: { uri: string; type: string | undefined }) {
  const inStore = parseDatastoreUri(uri);
  if (!inStore) return <code>{uri}</code>;
  const kind = type === 'uri_file' || type === 'mltable' ? 'file' : 'folder';
  return (
    <Link
      to={browserLink(
        inStore.datastore,
        inStore.path,
        kind === 'file' && inStore.path !== '' ? 'file' : 'folder',
      )}
    >
      <code>{uri}</code>
    </Link>
  );
}

export function DataAssetRows({
  name,
  versions,
}: {
  name: string;
  versions: UseQueryResult<ArmList<DataVersion>, ApiError>;
}) {
  if (versions.error) {
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} className="field-error">
          {versions.error.message}
        </td>
      </tr>
    );
  }
  const list = [...(versions.data?.value ?? [])].sort(
    (a, b) => Number(b.name) - Number(a.name) || (a.name < b.name ? 1 : -1),
  );
  if (list.length === 0) {
    return (
      <tr>
        <th scope="row">{name}</th>
        <td colSpan={4} className="muted">
          {versions.isPending ? 'Loading versions…' : 'No versions.'}
        </td>
      </tr>
    );
  }
  return (
    <>
      {list.map((v, i) => (
        <tr key={v.name}>
          {i === 0 && (
            <th scope="row" rowSpan={list.length}>
              {name}
            </th>
          )}
          <td>{v.name}</td>
          <td>{v.properties.dataType ?? ''}</td>
          <td className="path-cell">
            {v.properties.dataUri === undefined ? (
              ''
            ) : (
              <PathLink uri={v.properties.dataUri} type={v.properties.dataType} />
            )}
          </td>
          <td>
            <Time iso={v.systemData?.createdAt} />
          </td>
        </tr>
      ))}
    </>
  );
}
