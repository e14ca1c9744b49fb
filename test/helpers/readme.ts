/**
 * The README's shell blocks, for the tests that run a section as written: a section is everything from
 * its `## heading` to the next `## `, and its blocks are the ```sh fences in it, in order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.ts';

export function readReadme(): string {
  return readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
}

/** The ```sh blocks of the README section that starts with `heading`. */
export function shellBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `README has no section '${heading}'`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/**
 * The environment a new user's shell has after the README's set-up: the CLI on PATH, a home and CLI
 * config of its own under `scratch`, and `extra` (the server to talk to, its data dir, ...).
 */
export function newUserEnv(scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: join(scratch, 'home'),
    NIGHTSHIFT_CONFIG_DIR: join(scratch, 'home', '.nightshift'),
    ...extra,
  };
}

/** Runs README commands in bash as written, stopping at the first that fails (`set -euxo pipefail`). */
export function runShell(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', `set -euxo pipefail\n${script}`], options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    }),
  );
}
