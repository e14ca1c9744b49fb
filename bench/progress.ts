/**
 * What `npm run bench` shows and leaves behind. Every section prints a line on stderr when it starts and
 * when it ends, with its own and the run's elapsed time, so a run of several minutes is never silent
 * (stdout keeps only the figures). Everything the run writes goes into one scratch folder under the
 * system temp dir: TMPDIR points there for this process and the workers it starts, so servers' data
 * dirs, outputs and library logs land inside it too. It is removed at the end, and on Ctrl-C. The
 * generated inputs (about 500 MB) go there as well, unless BENCH_KEEP_DATA=1 keeps them in bench/.data
 * for the next run, which then says where they are and how to remove them. BENCH_ONLY=a,i runs only the
 * sections whose letters it lists (and the unlettered ones they need, such as generating the input).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchRun {
  /** Where generated inputs go: bench/.data when kept, else inside the scratch folder. */
  dataRoot: string;
  /** Runs one section between a start and an end line; a section BENCH_ONLY leaves out is skipped. */
  section(name: string, work: () => Promise<unknown>): Promise<void>;
  /** Runs a section whose result the others need, whatever BENCH_ONLY says. */
  step<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Removes the scratch folder and says what is left. */
  finish(): void;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function startBenchRun(root: string, env: NodeJS.ProcessEnv = process.env): BenchRun {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'nightshift-bench-'));
  // Read on every tmpdir() call and inherited by worker processes: nothing lands in the shared /tmp.
  env.TMPDIR = scratch;
  const keep = env.BENCH_KEEP_DATA === '1';
  const only = env.BENCH_ONLY?.split(',').map((letter) => letter.trim());
  const dataRoot = keep ? join(root, 'bench/.data') : join(scratch, 'data');
  const say = (line: string) =>
    process.stderr.write(`[bench ${clock(performance.now() - started)}] ${line}\n`);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    say(`removed the scratch folder ${scratch}`);
    if (keep) say(`inputs kept for the next run in ${dataRoot}; remove them with: rm -rf ${dataRoot}`);
  };
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping`);
    finish();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  say(`scratch folder ${scratch} (removed at the end)`);
  say(
    keep
      ? `inputs cached in ${dataRoot} (BENCH_KEEP_DATA=1)`
      : 'inputs are generated in the scratch folder; BENCH_KEEP_DATA=1 keeps them in bench/.data',
  );
  return {
    dataRoot,
    async section(name, work) {
      const letter = /^\((\w)\)/.exec(name)?.[1];
      if (only && letter !== undefined && !only.includes(letter)) return;
      await this.step(name, work);
    },
    async step(name, work) {
      const t = performance.now();
      say(`▶ ${name}`);
      const result = await work();
      say(`✔ ${name} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
      return result;
    },
    finish,
  };
}
