/**
 * The command table promises what `--help` lists: each entry's module registers a command of that name
 * with the same description, no module registers a top-level command the table does not list, and an
 * argument list picks the command it runs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { commandNamed, registerListing, TOP_COMMANDS } from './command-table.ts';

void describe('command table', () => {
  test('each module registers the command the table lists, with the same description', async () => {
    const registered = new Set<string>();
    for (const entry of TOP_COMMANDS) {
      const program = new Command('nightshift');
      await entry.register(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      assert.ok(
        command,
        `${entry.name}: its module registered ${program.commands.map((c) => c.name()).join(', ')}`,
      );
      assert.equal(command.description(), entry.description, entry.name);
      for (const c of program.commands) registered.add(c.name());
    }
    assert.deepEqual([...registered].sort(), TOP_COMMANDS.map((c) => c.name).sort());
  });

  test('the listing has every command once, in the table order', () => {
    const program = new Command('nightshift');
    registerListing(program);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      TOP_COMMANDS.map((c) => c.name),
    );
  });

  test('an argument list picks the command it runs', () => {
    assert.equal(commandNamed(['batch-endpoint', 'show', '-n', 'x'])?.name, 'batch-endpoint');
    assert.equal(commandNamed(['help', 'job'])?.name, 'job');
    assert.equal(commandNamed(['logout'])?.name, 'logout');
    for (const args of [[], ['--help'], ['-V'], ['help'], ['batch-endpont', 'show']]) {
      assert.equal(commandNamed(args), undefined, args.join(' '));
    }
  });
});
