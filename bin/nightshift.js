#!/usr/bin/env node
// Launcher for `nightshift` (npm's bin link, and bin/nightshift). The CLI is TypeScript run by Node's
// type stripping, which needs Node >= 22.18; the project pins Node 24 as a dev dependency. Under an
// older node (a system Node 20) this re-executes itself with that pinned node, so the CLI runs with any
// node and without npx's engine warnings. Under a new enough node it turns on Node's compile cache
// (kept in node_modules/.cache, beside what it caches) and loads the CLI: later runs skip recompiling.
// Plain JavaScript that Node 18 parses: it runs before we know which node we have.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major > 22 || (major === 22 && minor >= 18)) {
  module.enableCompileCache?.(
    fileURLToPath(new URL('../node_modules/.cache/nightshift/compile', import.meta.url)),
  );
  await import('../src/cli/main.ts');
} else {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(
      `ERROR: nightshift needs Node >= 22.18 (this is ${process.version}); run \`npm ci\` in ${fileURLToPath(new URL('..', import.meta.url))} to install the project's own Node.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A terminal's Ctrl-C reaches both processes: the child decides, this one waits for it. A signal
  // sent to this process alone (kill PID) is passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
