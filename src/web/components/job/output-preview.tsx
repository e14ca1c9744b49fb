/**
 * The job's output once it has ended: its files with download buttons (the predictions file and
 * manifest.json), and the first rows of the predictions read from the head of the file only. A caller
 * without the job-output data action sees the server's 403 as a message here, and the rest of the page.
 */
import { useState } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import { useApi } from '../../api/context.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import { jobPath, type FileEntry } from './job-wire.ts';
import { downloadJobFile } from './use-job-file.ts';

/** Rows of the output the preview shows. */
const PREVIEW_ROWS = 20;

interface Props {
  job: string;
  ended: boolean;
  files: UseQueryResult<{ value: FileEntry[] }, ApiError>;
  head: UseQueryResult<string, ApiError>;
  outputFile: string | undefined;
}

function bytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function Downloads({ job, files }: { job: string; files: FileEntry[] }) {
  const api = useApi();
  const [error, setError] = useState<unknown>();
  return (
    <>
      <ul className="job-downloads">
        {files.map((f) => (
          <li key={f.path}>
            <button
              onClick={() => {
                setError(undefined);
                downloadJobFile(api, jobPath(job, `/outputs/score/paths/${f.path}`), f.path).catch(setError);
              }}
            >
              Download {f.path}
            </button>{' '}
            <span className="muted">{bytes(f.size)}</span>
          </li>
        ))}
      </ul>
      {error !== undefined && <ErrorMessage error={error} />}
    </>
  );
}

function Preview({ head, complete }: { head: string; complete: boolean }) {
  const lines = head.split('\n');
  // The last line of a cut head may be cut too: drop it unless the whole file was read.
  const rows = (complete ? lines : lines.slice(0, -1)).filter((l) => l !== '').slice(0, PREVIEW_ROWS);
  if (rows.length === 0) return <p className="muted">The output is empty.</p>;
  return (
    <pre className="job-output-head" aria-label="First rows of the output" tabIndex={0}>
      {rows.join('\n')}
    </pre>
  );
}

export function OutputPreview({ job, ended, files, head, outputFile }: Props) {
  const output = files.data?.value.find((f) => f.path === outputFile);
  return (
    <section aria-labelledby="output-heading">
      <h2 id="output-heading">Output</h2>
      {files.error ? (
        <ErrorMessage error={files.error} />
      ) : files.data === undefined ? (
        <Loading what="the output" />
      ) : files.data.value.length === 0 ? (
        <p className="muted">
          {ended ? 'The job wrote no output.' : 'The output is written when the job ends.'}
        </p>
      ) : (
        <>
          <Downloads job={job} files={files.data.value} />
          {output !== undefined &&
            (head.error ? (
              <ErrorMessage error={head.error} />
            ) : head.data === undefined ? (
              <Loading what="the first rows" />
            ) : (
              <Preview
                head={head.data}
                complete={new TextEncoder().encode(head.data).byteLength >= output.size}
              />
            ))}
        </>
      )}
    </section>
  );
}
