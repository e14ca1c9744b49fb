/**
 * What a job's error may show its callers. A worker reports errors as they happened on this machine: JS
 * stacks with frames of our runtime and of Node's internals, Python tracebacks with frames of our MLflow
 * scorer, messages naming the local paths the worker read. The store keeps (and so every view shows)
 * the message, the scoring script's own frames and datastore paths only: a local folder of the job
 * (input, model, code, output) becomes its `azureml://` URI, a worker's scratch folder `$TMPDIR`, any
 * other path in the data dir `<data-dir>`, and frames of Nightshift's own files go. The errors the worker
 * pool writes to the job's log tree (logs/user/error/...) pass through the same scrubber, since whoever
 * may read the job may read its logs; the script's own stdout and stderr stay as it wrote them. The
 * server's own log (pino) keeps the full story for the operator.
 */
import { fileURLToPath } from 'node:url';
import type { JobError } from '../core/jobs.ts';

export type ErrorView = (error: JobError) => JobError;

/** The two rewrites every error a caller may see goes through. */
export interface ErrorScrubber {
  /** A message or path with local folders mapped to datastore URIs, `$TMPDIR`, `<data-dir>`. */
  text(value: string): string;
  /** The stack without our frames, mapped as `text`; undefined when no frame worth showing is left. */
  stack(value: string): string | undefined;
  /** What a log shows for an error: its scrubbed stack, or its scrubbed message when no stack is left. */
  entry(message: string, stack: string | undefined): string;
}

export interface ErrorViewOptions {
  dataDir: string;
  /** Local folders and the datastore URIs they stand for. */
  folders: readonly { path: string; uri: string }[];
  /** Nightshift's install folder; by default the one this file is in. */
  sourceRoot?: string;
}

const DEFAULT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OWN_FOLDERS = ['src', 'node_modules', 'bin'];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** `file:///a%20b/c.js:3:9` → `/a b/c.js:3:9`, so one path mapping covers both spellings. */
function withoutFileUrls(text: string): string {
  return text.replace(/file:\/\/(\/[^\s)'"`]*)/g, (whole, path: string) => {
    try {
      return decodeURI(path);
    } catch {
      return whole;
    }
  });
}

export function createErrorScrubber(options: ErrorViewOptions): ErrorScrubber {
  const root = trimSlash(options.sourceRoot ?? DEFAULT_ROOT);
  const dataDir = trimSlash(options.dataDir);
  const ownFrame = new RegExp(
    `(\\(|\\bat |")(node:|${OWN_FOLDERS.map((f) => escape(`${root}/${f}/`)).join('|')})`,
  );
  // Longest first, so a folder inside another maps to its own URI.
  const folders = [...options.folders]
    .map((f) => ({ path: trimSlash(f.path), uri: f.uri.replace(/\/+$/, '') }))
    .filter((f) => f.path.startsWith('/'))
    .sort((a, b) => b.path.length - a.path.length);
  const replacements: [RegExp, string][] = [
    ...folders.map((f): [RegExp, string] => [new RegExp(`${escape(f.path)}(?=/|\\b|$)`, 'g'), f.uri]),
    [new RegExp(`${escape(dataDir)}/tmp/workers/w-[0-9a-f]+`, 'g'), '$$TMPDIR'],
    [new RegExp(`${escape(dataDir)}(?=/|\\b|$)`, 'g'), '<data-dir>'],
    [new RegExp(`${escape(root)}(?=/|\\b|$)`, 'g'), '<nightshift>'],
  ];

  function text(value: string): string {
    let out = withoutFileUrls(value);
    for (const [pattern, replacement] of replacements) out = out.replace(pattern, replacement);
    return out;
  }

  /** The stack without our frames (JS `at ...` lines, Python `File "..."` lines and their source line). */
  function stack(value: string): string | undefined {
    const kept: string[] = [];
    let frames = 0;
    let skipSource = false;
    for (const line of withoutFileUrls(value).split('\n')) {
      const python = /^\s*File "/.test(line);
      // A Python frame's source line (and the carets under it) are indented deeper than the frame.
      if (skipSource && /^\s{4,}\S/.test(line) && !python) continue;
      skipSource = false;
      const frame = python || /^\s+at /.test(line);
      if (frame && ownFrame.test(line)) {
        skipSource = python;
        continue;
      }
      // `at Array.map (<anonymous>)` between script frames helps; on its own it says nothing.
      if (frame && !/\((<anonymous>|native)\)\s*$/.test(line)) frames += 1;
      kept.push(line);
    }
    return frames === 0 ? undefined : text(kept.join('\n'));
  }

  return {
    text,
    stack,
    entry: (message, value) => (value === undefined ? undefined : stack(value)) ?? text(message),
  };
}

export function createErrorView(scrub: ErrorScrubber): ErrorView {
  return (error) => {
    const shown: JobError = { ...error, message: scrub.text(error.message) };
    if (error.file !== undefined) shown.file = scrub.text(error.file);
    const cleaned = error.stack === undefined ? undefined : scrub.stack(error.stack);
    if (cleaned === undefined) delete shown.stack;
    else shown.stack = cleaned;
    return shown;
  };
}
