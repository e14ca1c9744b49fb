/**
 * Lineage at a glance: the model version and content hash the job scored with, and every input with its
 * size and sha256, from the manifest.json the job writes beside its output when it ends.
 */
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import type { Manifest } from './job-wire.ts';

/** Inputs listed before the rest is summed up. */
const SHOWN_INPUTS = 100;

function InputFiles({ files }: { files: Manifest['input']['files'] }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Input files and their hashes">
      <table>
        <thead>
          <tr>
            <th scope="col">Input file</th>
            <th scope="col">Size</th>
            <th scope="col">sha256</th>
          </tr>
        </thead>
        <tbody>
          {files.slice(0, SHOWN_INPUTS).map((f) => (
            <tr key={f.path}>
              <td>{f.path}</td>
              <td>{f.size}</td>
              <td>
                <code className="job-hash">{f.sha256}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {files.length > SHOWN_INPUTS && (
        <p className="muted">
          and {files.length - SHOWN_INPUTS} more (download manifest.json for all of them).
        </p>
      )}
    </div>
  );
}

function Lineage({ manifest }: { manifest: Manifest }) {
  const { model, input } = manifest;
  return (
    <>
      <dl className="job-facts">
        <div>
          <dt>Model</dt>
          <dd>
            {model.name}:{model.version}
          </dd>
        </div>
        <div className="job-wide">
          <dt>Model hash</dt>
          <dd>
            <code className="job-hash">{model.contentHash}</code>
          </dd>
        </div>
        <div className="job-wide">
          <dt>Input</dt>
          <dd>
            <code className="job-hash">{input.asset ?? input.uri}</code> ({input.type}, {input.files.length}{' '}
            files)
          </dd>
        </div>
      </dl>
      <InputFiles files={input.files} />
    </>
  );
}

export function ManifestView({
  query,
  ended,
}: {
  query: UseQueryResult<Manifest, ApiError>;
  ended: boolean;
}) {
  let body;
  // A refusal is the server's message; a manifest not written yet (404) is expected while the job runs.
  if (query.error && query.error.status !== 404) body = <ErrorMessage error={query.error} />;
  else if (query.error || (!ended && query.data === undefined && !query.isLoading))
    body = (
      <p className="muted">
        {ended ? 'This job has no manifest.' : 'The manifest is written when the job ends.'}
      </p>
    );
  else if (query.data === undefined) body = <Loading what="the manifest" />;
  else body = <Lineage manifest={query.data} />;
  return (
    <section aria-labelledby="manifest-heading">
      <h2 id="manifest-heading">Manifest</h2>
      {body}
    </section>
  );
}
