/**
 * Where a datastore path really lands on disk, and whether that is inside the datastore's folder. A lexical
 * check is not enough: a symbolic link anywhere on the way (a linked file, a linked folder, a link in the
 * middle of the path, a link made after the datastore was registered, a dangling link that a write would
 * follow) can point outside. So the real path of the deepest part that exists is taken (realpath), a
 * dangling link is followed to its target by hand, the missing rest is appended, and the result must lie
 * inside the real path of the root. Callers then touch only the resolved path, never the given one, so the
 * kernel cannot follow a link the check did not see.
 *
 * The resolution is written once as a generator of file-system questions, answered either synchronously
 * (for `openRead`, whose contract returns a stream at once) or asynchronously.
 */
import { readlinkSync, realpathSync } from 'node:fs';
import { readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ValidationError } from '../../core/errors.ts';

/** As Linux's MAXSYMLINKS: a chain longer than this is a loop or an attack. */
const MAX_LINK_HOPS = 40;

interface Question {
  op: 'realpath' | 'readlink';
  path: string;
}
/** Answers are undefined when the path does not exist (realpath) or is not a link (readlink). */
type Resolution = Generator<Question, string, string | undefined>;

function* landing(path: string, hops: { count: number }): Resolution {
  const real = yield { op: 'realpath', path };
  if (real !== undefined) return real;
  const parent = dirname(path);
  if (parent === path) return path;
  const here = join(yield* landing(parent, hops), basename(path));
  const target = yield { op: 'readlink', path: here };
  if (target === undefined) return here;
  // A dangling link: realpath cannot follow it, but a write through it would.
  hops.count += 1;
  if (hops.count > MAX_LINK_HOPS)
    throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
  return yield* landing(resolve(dirname(here), target), hops);
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'EINVAL']);

function absent(error: unknown): boolean {
  return ABSENT.has((error as NodeJS.ErrnoException).code ?? '');
}

function answerSync(question: Question): string | undefined {
  try {
    return question.op === 'realpath' ? realpathSync.native(question.path) : readlinkSync(question.path);
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

async function answer(question: Question): Promise<string | undefined> {
  try {
    return question.op === 'realpath' ? await realpath(question.path) : await readlink(question.path);
  } catch (error) {
    if (absent(error)) return undefined;
    throw error;
  }
}

/** Where `path` lands after following every link on the way; the missing rest is kept as given. */
export function landingSync(path: string): string {
  const run = landing(path, { count: 0 });
  let step = run.next();
  while (!step.done) step = run.next(answerSync(step.value));
  return step.value;
}

export async function landingOf(path: string): Promise<string> {
  const run = landing(path, { count: 0 });
  let step = run.next();
  while (!step.done) step = run.next(await answer(step.value));
  return step.value;
}

/** True when `path` is `root` or below it; both must be real paths. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The ValidationError for a path whose real location is outside the datastore. */
export function outsideError(shown: string, field = 'path'): ValidationError {
  return new ValidationError(
    `Invalid path '${shown}' in '${field}': it resolves (through a symbolic link) to a place outside the datastore's folder; only files inside it can be used.`,
    field,
  );
}

/** File-system failures that bad input causes, as 400s naming the path; anything else is rethrown. */
export function inputFailure(error: unknown, shown: string, field = 'path'): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') {
    return new ValidationError(
      `Invalid path '${shown}' in '${field}': it goes through more than ${MAX_LINK_HOPS} symbolic links (a loop).`,
      field,
    );
  }
  if (code === 'ENAMETOOLONG') {
    return new ValidationError(
      `Invalid path '${shown}' in '${field}': it is longer than this server's file system allows (255 bytes per name, 4,096 per path including the datastore's folder); shorten it.`,
      field,
    );
  }
  return error;
}
