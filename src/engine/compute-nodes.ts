/**
 * The nodes of a compute: the worker processes serving its jobs, each with its host, pid, state, the
 * mini-batches it runs and when it was last heard from. A registry interface, so scale-out can list the
 * `nightshift worker` processes that heartbeat into the store; the embedded one asks this server's
 * scheduler, whose worker pools know their live processes and whose computes know their idle nodes
 * (warm processes no job holds yet, compute-capacity.ts).
 */
import { hostname } from 'node:os';
import { LOCAL_COMPUTE } from '../core/computes.ts';
import type { IdleNode } from './compute-capacity.ts';
import type { JobProcess } from './job-run.ts';

export interface ComputeNode {
  /** `<job>/<node>/process<N>`: which job's instance and which process of it; `<node>` for an idle node. */
  name: string;
  /**
   * The node (instance) the process belongs to, for counting a compute's nodes: `node-N` on a compute
   * (shared by its jobs, one at a time), `<job>/node-N` on `local` (each job forks its own).
   */
  node?: string;
  host: string;
  /** Undefined for an idle node that gave its warm processes up to a job waiting for workers. */
  pid?: number;
  state: 'starting' | 'idle' | 'busy';
  /** The job using the node; empty for an idle node. */
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

/** How many nodes a node list names (a node with several processes counts once). */
export function nodeCount(nodes: readonly ComputeNode[]): number {
  return new Set(nodes.map((n) => n.node ?? n.name)).size;
}

function busyNode(host: string, p: JobProcess): ComputeNode {
  const instance = p.name.split('/')[0] ?? p.name;
  return {
    name: `${p.job}/${p.name}`,
    node: p.compute.toLowerCase() === LOCAL_COMPUTE ? `${p.job}/${instance}` : instance,
    host,
    pid: p.pid,
    state: p.state,
    job: p.job,
    currentMiniBatches: p.miniBatch === undefined ? [] : [p.miniBatch],
    lastHeartbeat: p.lastSeen.toISOString(),
  };
}

/** An idle node as one entry per warm process (`node-N/processM`), or one without a pid when it has none. */
function idleNodes(host: string, idle: IdleNode): ComputeNode[] {
  const entry = { node: idle.node, host, state: 'idle' as const, job: '', currentMiniBatches: [] };
  const lastHeartbeat = idle.since.toISOString();
  if (idle.pids.length === 0) return [{ ...entry, name: idle.node, lastHeartbeat }];
  return idle.pids.map((pid, i) => ({ ...entry, name: `${idle.node}/process${i}`, pid, lastHeartbeat }));
}

/**
 * `processes` lists the scheduler's live workers and `idle` its computes' idle nodes (functions: the
 * scheduler is built after the metrics).
 */
export function createEmbeddedNodeRegistry(
  processes: () => JobProcess[],
  idle: () => IdleNode[] = () => [],
): ComputeNodeRegistry {
  const host = hostname();
  const all = (): (ComputeNode & { compute: string })[] => [
    ...processes().map((p) => ({ ...busyNode(host, p), compute: p.compute })),
    ...idle().flatMap((n) => idleNodes(host, n).map((node) => ({ ...node, compute: n.compute }))),
  ];
  return {
    list(compute) {
      const wanted = compute.toLowerCase();
      const nodes: ComputeNode[] = all().filter((n) => n.compute.toLowerCase() === wanted);
      return Promise.resolve(nodes);
    },
    countByCompute() {
      const counts = new Map<string, number>();
      for (const n of all()) if (n.pid !== undefined) counts.set(n.compute, (counts.get(n.compute) ?? 0) + 1);
      return Promise.resolve(counts);
    },
  };
}
