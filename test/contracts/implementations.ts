/**
 * The shape every contract suite shares, so that a new adapter (a PostgreSQL store, a BullMQ queue, an S3
 * datastore, another clock) is one more entry in a list and nothing else. Each implementation is opened
 * fresh for every test in a temporary folder of its own and closed after it, so tests never see each
 * other's state. An implementation that needs something this machine may lack (a database server, a
 * cloud account) says so in `requires`: test/helpers/components.ts's `needs(...)` gives exactly those
 * node:test options, a skip naming the component and the command that installs or starts it, or a
 * failure when CI=true.
 */
import { afterEach, beforeEach, describe, type TestOptions } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Implementation<H> {
  name: string;
  /** Options for the whole suite of this implementation: `{}` to run it, `{ skip: 'why' }` to skip it. */
  requires?: () => Promise<TestOptions> | TestOptions;
  /** A fresh instance for one test; `dir` is an empty temporary folder removed after the test. */
  open(dir: string): Promise<H> | H;
  /**
   * Removes what the instances on `dir` kept outside it (a database schema named after it), once they
   * are all closed at the end of the test; data in `dir` itself goes with the folder.
   */
  discard?(dir: string): Promise<void> | void;
}

export interface Closable {
  close(): Promise<void> | void;
}

/** What a suite's tests see of the implementation under test. */
export interface ContractContext<H> {
  readonly implementation: Implementation<H>;
  /** The instance of the running test (valid inside tests and hooks only). */
  current(): H;
  /** Closes the instance and opens another on the same folder, as a restarted server would. */
  reopen(): Promise<H>;
  /** Opens a second instance on the same folder beside the first, as another server sharing it would. */
  openAnother(): Promise<H>;
}

/** Declares `define`'s tests once per implementation, under "`contract` contract: `name`". */
export async function describeContract<H extends Closable>(
  contract: string,
  implementations: readonly Implementation<H>[],
  define: (context: ContractContext<H>) => void,
): Promise<void> {
  // Every probe first, then every suite at once: a suite declared after another has already finished
  // may never run (so it was under --test-force-exit, which npm test once passed), so none waits on a
  // probe in between.
  const options = await Promise.all(implementations.map(async (i) => (await i.requires?.()) ?? {}));
  for (const [at, implementation] of implementations.entries()) {
    describe(`${contract} contract: ${implementation.name}`, options[at] ?? {}, () => {
      let dir: string | undefined;
      let instance: H | undefined;
      let others: H[] = [];
      const outside = () => new Error(`${implementation.name} is only open inside a test`);
      beforeEach(async () => {
        dir = mkdtempSync(join(tmpdir(), 'ns-contract-'));
        instance = await implementation.open(dir);
      });
      afterEach(async () => {
        await instance?.close();
        instance = undefined;
        for (const other of others) await other.close();
        others = [];
        if (dir !== undefined) {
          await implementation.discard?.(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      });
      define({
        implementation,
        current() {
          if (instance === undefined) throw outside();
          return instance;
        },
        async reopen() {
          if (instance === undefined || dir === undefined) throw outside();
          await instance.close();
          instance = undefined;
          instance = await implementation.open(dir);
          return instance;
        },
        async openAnother() {
          if (instance === undefined || dir === undefined) throw outside();
          const other = await implementation.open(dir);
          others.push(other);
          return other;
        },
      });
    });
  }
}
