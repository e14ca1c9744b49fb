/**
 * One server per data dir: a lock file holding the owner's pid, created atomically. A lock left by a
 * process that no longer exists (a crash, kill -9) is taken over, so a restart after a crash just works.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './core/errors.ts';

export interface DataDirLock {
  release(): void;
  update(info: Record<string, unknown>): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  // Owner-only when we make it: it holds the signing keys, the owner's credentials and the metadata.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      closeSync(fd);
      return {
        release: () => {
          rmSync(file, { force: true });
        },
        update: (info) => {
          const fd2 = openSync(file, 'w');
          writeSync(fd2, JSON.stringify({ pid: process.pid, ...info }));
          closeSync(fd2);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: { pid?: number; url?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        // A lock being written right now, or garbage: treat as held once, then as stale.
        if (attempt === 0) continue;
      }
      if (owner.pid !== undefined && alive(owner.pid)) {
        throw new StartupError(
          `Another Nightshift server (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''}) is already using the data dir ${dataDir}. ` +
            `Stop it first, or start this one with --data-dir pointing elsewhere.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StartupError(`Could not lock the data dir ${dataDir}; remove ${file} if no server is running.`);
}
