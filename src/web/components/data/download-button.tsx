/**
 * Downloads a datastore file. The API wants the session's token, which a plain link cannot send, so the
 * file is fetched with it and handed to the browser as a blob under its own name. Disabled, with the
 * reason shown, when the principal may not read file contents.
 */
import { useApi } from '../../api/context.ts';
import { usePermission } from '../../api/permissions.ts';
import { downloadPath } from './datastore-links.ts';
import { PermittedAction } from '../permitted-action.tsx';
import { useAction } from '../use-action.ts';

const READ_CONTENTS = 'Microsoft.MachineLearningServices/workspaces/datastores/paths/read';

export function DownloadButton({ datastore, path }: { datastore: string; path: string }) {
  const api = useApi();
  const permission = usePermission(READ_CONTENTS, { kind: 'dataAction' });
  const name = path.split('/').at(-1) ?? 'download';
  const download = useAction(async () => {
    const response = await api.request('GET', await api.ws(downloadPath(datastore, path)));
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => {
      URL.revokeObjectURL(url);
    }, 10_000);
  });
  return (
    <span className="download">
      <PermittedAction permission={permission} busy={download.busy} onClick={() => void download.run()}>
        Download {name}
      </PermittedAction>
      {download.message !== undefined && (
        <span className="field-error" role="alert">
          {' '}
          {download.message}
        </span>
      )}
    </span>
  );
}
