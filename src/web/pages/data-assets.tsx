/**
 * Data assets: every version of each, with its type and path, the path a link into the datastore browser
 * so the data behind an asset is one click away. The versions of all assets are asked for at once, as
 * soon as the list of assets is in.
 */
import { useQueries, type UseQueryOptions } from '@tanstack/react-query';
import type { ApiError } from '../api/client.ts';
import { useApi, useArm, type ArmList } from '../api/context.ts';
import { DataAssetRows, type DataVersion } from '../components/data/data-asset-rows.tsx';
import { ErrorMessage, Loading } from '../components/status.tsx';
import '../styles/data.css';

interface Container {
  name: string;
  properties: { latestVersion?: string };
}

export function DataAssets() {
  const api = useApi();
  const assets = useArm<ArmList<Container>>('/data');
  const names = assets.data?.value.map((c) => c.name) ?? [];
  const versions = useQueries({
    queries: names.map((name): UseQueryOptions<ArmList<DataVersion>, ApiError> => ({
      queryKey: ['arm', `/data/${name}/versions`, undefined],
      queryFn: async () =>
        api.get<ArmList<DataVersion>>(await api.ws(`/data/${encodeURIComponent(name)}/versions`)),
    })),
  });
  return (
    <>
      <h1>Data assets</h1>
      {assets.isPending && <Loading what="data assets" />}
      {assets.error && <ErrorMessage error={assets.error} />}
      {assets.data && names.length === 0 && <p className="muted">No data assets yet.</p>}
      {names.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Data assets">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Version</th>
                <th scope="col">Type</th>
                <th scope="col">Path</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v, i) => (
                <DataAssetRows key={names[i]} name={names[i] ?? ''} versions={v} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
