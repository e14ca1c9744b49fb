/**
 * Downloads a datastore file. The API wants the session's token, which a plain link cannot send, so the
 * file is fetched with it and handed to the browser as a blob under its own name. Disabled, with the
 * reason shown, when the principal may not read file contents.
 */
import { useState } from 'react';
import { useApi } from '../../api/context.ts';
import { usePermission } from '../../api/permissions.ts';
import { downloadPath } from './datastore-links.ts';
import { PermittedAction } from '../permitted-action.tsx';

const READ_CONTENTS = 'Microsoft.MachineLearningServices/workspaces/datastores/paths/read';

export function DownloadButton({ datastore, path }: { datastore: string; path: string }) {
  const api = useApi();
  const permission = usePermission(READ_CONTENTS, { kind: 'dataAction' });
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const name = path.split('/').at(-1) ?? 'download';
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const response = await api.request('GET', await api.ws(downloadPath(datastore, path)));
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(url);
      }, 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="download">
      <PermittedAction permission={permission} busy={busy} onClick={() => void download()}>
        Download {name}
      </PermittedAction>
      {error !== undefined && (
        <span className="field-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </span>
  );
}
