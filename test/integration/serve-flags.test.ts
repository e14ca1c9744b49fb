/**
 * `nightshift serve` with a flag it cannot use: a value out of range or of the wrong kind, an unknown
 * flag, a flag without its value. Each is a usage error: exit 2, one message on stderr that names the
 * flag and says what to give instead, no stack trace, and no server (nothing listens, no data dir is
 * made). A bad value from the environment is not a flag: it keeps the message naming the setting.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-serve-flags-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `serve ARGS` on a data dir that must not come to exist. */
async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const dataDir = join(scratch, `data-${args.join('_').replace(/\W+/g, '_')}`);
  const result = await runCli(['serve', '--data-dir', dataDir, ...args], { env });
  assert.equal(existsSync(dataDir), false, 'a refused serve makes no data dir');
  return result;
}

function usage(result: CliResult, stderr: RegExp): void {
  assert.equal(result.code, 2, `exit 2 expected; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '', 'no server started');
  assert.match(result.stderr, stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
}

void describe('serve flag errors', () => {
  test('a bad value names the flag, the value and what to give', async () => {
    const cases: [string[], RegExp][] = [
      [['--max-workers', 'abc'], /^ERROR: --max-workers 'abc': use a whole number from 1 to 1024\.\n$/],
      [['--max-workers', '0'], /^ERROR: --max-workers '0': use a whole number from 1 to 1024\.\n$/],
      [['--port', 'x'], /^ERROR: --port 'x': use a number from 0 to 65535 \(0 picks a free port\)\.\n$/],
      [['--port', '65536'], /^ERROR: --port '65536': use a number from 0 to 65535/],
      [['--log-level', 'loud'], /^ERROR: --log-level 'loud': use one of fatal, error, warn, info, debug/],
      [['--log-format', 'xml'], /^ERROR: --log-format 'xml': use json or pretty\.\n$/],
      [['--auth', 'maybe'], /^ERROR: --auth 'maybe': use 'token' \(the default\) or 'none'\.\n$/],
      [
        ['--allow-url-hosts', 'http://x'],
        /^ERROR: --allow-url-hosts 'http:\/\/x': give a host name, an IP address/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => serve(args)));
    for (const [i, result] of results.entries()) usage(result, cases[i]?.[1] ?? /never/);
  });

  test('an unknown flag or a flag without its value is named, with where to read the usage', async () => {
    const [unknown, close, missing] = await Promise.all([
      serve(['--bogus']),
      serve(['--max-worker', '2']),
      serve(['--host']),
    ]);
    usage(unknown, /^error: unknown option '--bogus'\n\(add --help for usage\)\n$/);
    usage(close, /unknown option '--max-worker'\n\(Did you mean --max-workers\?\)/);
    usage(missing, /^error: option '--host <host>' argument missing\n/);
  });

  test('a bad value from the environment names the setting and is not a usage error', async () => {
    const result = await serve([], { NIGHTSHIFT_MAX_WORKERS: 'abc' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ERROR: Invalid maxWorkers 'abc': use a whole number from 1 to 1024\.\n$/);
  });
});
