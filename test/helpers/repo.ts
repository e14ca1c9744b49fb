/** Where the repository is, for tests that run its files (the CLI, bench, fixtures, the README). */
import { fileURLToPath } from 'node:url';

/** The repository's root folder, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
