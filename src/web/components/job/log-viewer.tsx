/**
 * The job's log tree (Azure's layout: job_result.txt, job_error.txt, the progress overview, sys/ and
 * user/ by node and process) and a viewer for one log. The open log is in the URL; while the job runs the
 * viewer follows it: the page refreshes the log when the job changes and, with "Follow" on, keeps the
 * newest lines in view.
 */
import { useEffect, useRef, useState } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/client.ts';
import { ErrorMessage, Loading } from '../status.tsx';
import type { FileEntry } from './job-wire.ts';

interface Folder {
  name: string;
  folders: Map<string, Folder>;
  files: FileEntry[];
}

function treeOf(files: readonly FileEntry[]): Folder {
  const root: Folder = { name: '', folders: new Map(), files: [] };
  for (const file of files) {
    const parts = file.path.split('/');
    let at = root;
    for (const part of parts.slice(0, -1)) {
      let next = at.folders.get(part);
      if (next === undefined) {
        next = { name: part, folders: new Map(), files: [] };
        at.folders.set(part, next);
      }
      at = next;
    }
    at.files.push(file);
  }
  return root;
}

interface TreeProps {
  folder: Folder;
  open: string | undefined;
  onOpen: (path: string) => void;
}

function Tree({ folder, open, onOpen }: TreeProps) {
  return (
    <ul>
      {[...folder.folders.values()].map((f) => (
        <li key={`d-${f.name}`}>
          <details open>
            <summary>{f.name}/</summary>
            <Tree folder={f} open={open} onOpen={onOpen} />
          </details>
        </li>
      ))}
      {folder.files.map((f) => (
        <li key={f.path}>
          <button
            className="link-button"
            aria-current={f.path === open ? 'true' : undefined}
            onClick={() => {
              onOpen(f.path);
            }}
          >
            {f.path.split('/').at(-1)}
          </button>{' '}
          <span className="muted">{f.size} B</span>
        </li>
      ))}
    </ul>
  );
}

interface Props {
  files: UseQueryResult<{ value: FileEntry[] }, ApiError>;
  text: UseQueryResult<string, ApiError>;
  open: string | undefined;
  onOpen: (path: string) => void;
  running: boolean;
}

export function LogViewer({ files, text, open, onOpen, running }: Props) {
  const [follow, setFollow] = useState(true);
  const view = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (follow && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [text.data, follow]);
  return (
    <section aria-labelledby="logs-heading">
      <h2 id="logs-heading">Logs</h2>
      {files.error ? (
        <ErrorMessage error={files.error} />
      ) : files.data === undefined ? (
        <Loading what="the log tree" />
      ) : (
        <div className="job-logs">
          <nav className="job-log-tree" aria-label="Log files">
            {files.data.value.length === 0 ? (
              <p className="muted">No logs yet.</p>
            ) : (
              <Tree folder={treeOf(files.data.value)} open={open} onOpen={onOpen} />
            )}
          </nav>
          <div className="job-log-view">
            {open === undefined ? (
              <p className="muted">Pick a log to read it.</p>
            ) : (
              <>
                <div className="job-log-head">
                  <code>{open}</code>
                  {running && (
                    <label>
                      <input
                        type="checkbox"
                        checked={follow}
                        onChange={(e) => {
                          setFollow(e.target.checked);
                        }}
                      />{' '}
                      Follow
                    </label>
                  )}
                </div>
                {text.error ? (
                  <ErrorMessage error={text.error} />
                ) : (
                  <pre ref={view} className="job-log-text" aria-label={`Log ${open}`} tabIndex={0}>
                    {text.data ?? 'Loading…'}
                  </pre>
                )}
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
