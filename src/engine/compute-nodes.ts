/**
 * The nodes of a compute: the worker processes serving its jobs, each with its host, pid, state, the
 * mini-batches it runs and when it was last heard from. A registry interface, so scale-out can list the
 * `nightshift worker` processes that heartbeat into the store; the embedded one asks this server's
 * scheduler, whose worker pools know their live processes.
 */
import { hostname } from 'node:os';
import type { JobProcess } from './job-run.ts';

export interface ComputeNode {
  /** `<job>/<node>/process<N>`: which job's instance and which process of it. */
  name: string;
  host: string;
  pid: number;
  state: 'starting' | 'idle' | 'busy';
  job: string;
  currentMiniBatches: string[];
  lastHeartbeat: string;
}

export interface ComputeNodeRegistry {
  /** The live nodes of a compute (name compared ignoring case), in no particular order. */
  list(compute: string): Promise<ComputeNode[]>;
  /** How many live worker processes each compute has now. */
  countByCompute(): Promise<Map<string, number>>;
}

/** `processes` lists the scheduler's live workers (a function: the scheduler is built after the metrics). */
export function createEmbeddedNodeRegistry(processes: () => JobProcess[]): ComputeNodeRegistry {
  const host = hostname();
  return {
    list(compute) {
      const wanted = compute.toLowerCase();
      const nodes = processes()
        .filter((p) => p.compute.toLowerCase() === wanted)
        .map((p) => ({
          name: `${p.job}/${p.name}`,
          host,
          pid: p.pid,
          state: p.state,
          job: p.job,
          currentMiniBatches: p.miniBatch === undefined ? [] : [p.miniBatch],
          lastHeartbeat: p.lastSeen.toISOString(),
        }));
      return Promise.resolve(nodes);
    },
    countByCompute() {
      const counts = new Map<string, number>();
      for (const p of processes()) counts.set(p.compute, (counts.get(p.compute) ?? 0) + 1);
      return Promise.resolve(counts);
    },
  };
}
