/**
 * The data asset picker of the invoke form: the workspace's data assets (GET /data, as `az ml data list`),
 * then the chosen one's versions, newest first, each with the path it points at. Its value is the
 * reference a job request takes, `azureml:NAME:VERSION` or `azureml:NAME@latest`.
 */
import { useEffect } from 'react';
import { useArm, type ArmList } from '../../api/context.ts';
import { ErrorMessage } from '../status.tsx';
import type { DataAsset, DataAssetVersion } from './resources.ts';

interface Props {
  asset: string;
  version: string;
  onChange: (asset: string, version: string) => void;
  /** The chosen (or latest) version's kind, which the request must name: a file or a folder. */
  onKind: (kind: 'UriFile' | 'UriFolder') => void;
  error: string | undefined;
}

function versionOrder(a: DataAssetVersion, b: DataAssetVersion): number {
  return b.name.localeCompare(a.name, undefined, { numeric: true });
}

export function DataAssetPicker({ asset, version, onChange, onKind, error }: Props) {
  const assets = useArm<ArmList<DataAsset>>('/data');
  const versions = useArm<ArmList<DataAssetVersion>>(
    asset === '' ? undefined : `/data/${encodeURIComponent(asset)}/versions`,
  );
  const sorted = [...(versions.data?.value ?? [])].sort(versionOrder);
  const chosen = version === '' ? sorted[0] : sorted.find((v) => v.name === version);
  const kind = chosen?.properties.dataType === 'uri_file' ? 'UriFile' : 'UriFolder';
  useEffect(() => {
    if (chosen !== undefined) onKind(kind);
  }, [chosen, kind, onKind]);
  if (assets.error) return <ErrorMessage error={assets.error} />;
  return (
    <div className="picker">
      <label>
        Data asset
        <select
          value={asset}
          aria-invalid={error !== undefined}
          aria-describedby={error === undefined ? undefined : 'invoke-input-error'}
          onChange={(e) => {
            onChange(e.target.value, '');
          }}
        >
          <option value="">{assets.isPending ? 'Loading data assets…' : 'Choose a data asset'}</option>
          {(assets.data?.value ?? []).map((a) => (
            <option key={a.name} value={a.name}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Version
        <select
          value={version}
          disabled={asset === ''}
          onChange={(e) => {
            onChange(asset, e.target.value);
          }}
        >
          <option value="">{sorted.length === 0 ? '—' : `Latest (${sorted[0]?.name ?? ''})`}</option>
          {sorted.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name} {v.properties.dataUri === undefined ? '' : `· ${v.properties.dataUri}`}
            </option>
          ))}
        </select>
      </label>
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
    </div>
  );
}

/** The reference the request sends: the chosen version, else the latest (`@latest`, as Azure spells it). */
export function dataAssetRef(asset: string, version: string): string {
  return version === '' ? `azureml:${asset}@latest` : `azureml:${asset}:${version}`;
}
