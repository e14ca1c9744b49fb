/**
 * The datastore backend contract suite, containment through symbolic links: whatever links a folder
 * holds, a store never reads, writes, lists or removes anything outside it. Stores without links skip
 * these tests with that reason.
 */
import { after, describe, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatastoreBackend } from '../../src/storage/contract.ts';
import { describeContract } from './implementations.ts';
import {
  implementations,
  read,
  refused,
  stopEmulators,
  withoutFacts,
  type Harness,
  type Links,
} from './datastore-backends.ts';

after(stopEmulators);

await describeContract('DatastoreBackend', implementations, (context) => {
  let h: Harness;
  let store: DatastoreBackend;
  beforeEach(() => {
    h = context.current();
    store = withoutFacts(h.backend);
  });

  describe('containment through symbolic links', () => {
    const needLinks = (t: { skip: (reason: string) => void }): Links | undefined => {
      if (!h.links)
        t.skip(`${context.implementation.name} has no symbolic links: nothing can point outside it`);
      return h.links;
    };

    test('a file link to outside is refused by stat, read, write, localPath, and left out of listings', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      links.link('in/leak.txt', join(links.outside, 'secret.txt'));
      await store.write('in/ok.txt', 'ok');
      const outside = /outside the datastore/;
      await assert.rejects(store.stat('in/leak.txt'), refused(outside));
      assert.throws(() => store.openRead('in/leak.txt'), refused(outside));
      await assert.rejects(store.localPath('in/leak.txt'), refused(outside));
      await assert.rejects(store.write('in/leak.txt', 'overwritten'), refused(outside));
      if (store.openWriter) await assert.rejects(store.openWriter('in/leak.txt'), refused(outside));
      assert.equal(readFileSync(join(links.outside, 'secret.txt'), 'utf8'), 'secret');
      assert.deepEqual(
        (await store.list('in', { recursive: true })).map((f) => f.path),
        ['in/ok.txt'],
      );
    });

    test('a folder link to outside, or a link in the middle of a path, is refused and not walked', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      links.link('mid/out', links.outside);
      await store.write('mid/real/x.csv', 'x');
      const outside = /outside the datastore/;
      await assert.rejects(store.stat('mid/out'), refused(outside));
      await assert.rejects(store.stat('mid/out/secret.txt'), refused(outside));
      await assert.rejects(store.list('mid/out'), refused(outside));
      await assert.rejects(store.write('mid/out/planted.txt', 'x'), refused(outside));
      await assert.rejects(store.write('mid/out/new/deeper.txt', 'x'), refused(outside));
      assert.deepEqual(readdirSync(links.outside), ['secret.txt']);
      assert.deepEqual(
        (await store.list('', { recursive: true })).map((f) => f.path),
        ['mid/real/x.csv'],
      );
    });

    test('a link made after the store was first used is refused all the same', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      await store.write('late/data.csv', 'data');
      assert.equal(await read(store, 'late/data.csv'), 'data');
      links.link('late/now', links.outside);
      await assert.rejects(store.stat('late/now/secret.txt'), refused(/outside the datastore/));
      await assert.rejects(store.localPath('late/now/secret.txt'), refused(/outside the datastore/));
    });

    test('a dangling link is followed where a write would go: out is refused, in is written', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      links.link('d/out.txt', join(links.outside, 'created-by-write.txt'));
      links.link('d/out-dir', join(links.outside, 'missing-folder'));
      await assert.rejects(store.write('d/out.txt', 'x'), refused(/outside the datastore/));
      await assert.rejects(store.write('d/out-dir/x.txt', 'x'), refused(/outside the datastore/));
      await assert.rejects(store.stat('d/out.txt'), refused(/outside the datastore/));
      assert.deepEqual(readdirSync(links.outside), ['secret.txt']);
      links.link('d/in.txt', 'target.txt');
      await store.write('d/in.txt', 'through the link');
      assert.equal(await read(store, 'd/target.txt'), 'through the link');
      assert.equal(await read(store, 'd/in.txt'), 'through the link');
    });

    test('links that stay inside are followed, and a loop back to a parent does not hang a listing', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      await store.write('real/a.csv', 'a');
      links.link('alias', links.where('real'));
      links.link('real/again.csv', 'a.csv');
      links.link('real/loop', '..');
      assert.equal(await read(store, 'alias/a.csv'), 'a');
      assert.equal(await read(store, 'real/again.csv'), 'a');
      assert.deepEqual(
        (await store.list('', { recursive: true })).map((f) => f.path),
        ['alias/a.csv', 'alias/again.csv', 'real/a.csv', 'real/again.csv'],
      );
    });

    test('removing a link removes the link, never what it points at', async (t) => {
      const links = needLinks(t);
      if (!links) return;
      links.link('gone', links.outside);
      await store.remove('gone', { recursive: true });
      assert.deepEqual(readdirSync(links.outside), ['secret.txt']);
      assert.equal(await store.stat('gone'), undefined);
    });
  });
});
