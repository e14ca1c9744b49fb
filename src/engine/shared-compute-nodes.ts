/**
 * The nodes of a compute when servers scale out together: each server publishes its live worker processes
 * to the shared store every heartbeat (a `serverNodes` document under its own name), and any server lists
 * a compute's nodes from every snapshot that is fresh, so `compute list-nodes` and `/metrics` answer the
 * same through any server. A snapshot older than `ttlMs` is a server that stopped (killed, or cut off):
 * its processes are not listed, and a long-dead server's document is removed by whoever sees it. A server
 * that stops cleanly removes its own.
 */
import { hostname } from 'node:os';
import type { ResourceRepository } from '../store/contract.ts';
import type { ComputeNode, ComputeNodeRegistry } from './compute-nodes.ts';
import type { JobProcess } from './job-run.ts';

/** What a server or a `nightshift worker` publishes of itself (the worker adds the jobs it serves). */
export interface NodeSnapshot {
  owner: string;
  host: string;
  publishedAt: number;
  nodes: (ComputeNode & { compute: string })[];
}

export interface SharedNodeRegistry extends ComputeNodeRegistry {
  /** Publishes this server's processes now, then every third of `ttlMs`. */
  start(): Promise<void>;
  /** No more publishing; this server's snapshot is removed (a clean stop). */
  stop(): Promise<void>;
  /** Names of the servers and workers whose snapshots are fresh: the ones alive. */
  liveOwners(): Promise<Set<string>>;
}

/** The compute of a worker started without --compute: it is a node of every compute but `local`. */
export const ANY_COMPUTE = '*';

// A snapshot this much older than a lease is a server long gone: its document is removed.
const FORGET_AFTER_LEASES = 10;

export function createSharedNodeRegistry(deps: {
  repo: ResourceRepository;
  /** This server's unique name. */
  owner: string;
  processes: () => JobProcess[];
  /** How old a snapshot may be and still count (a lease: servers publish every third of one). */
  ttlMs: number;
  /** A publish that failed (the store is down): the next one tries again. */
  onError: (error: unknown) => void;
  now?: () => number;
}): SharedNodeRegistry {
  const host = hostname();
  const now = deps.now ?? Date.now;
  const key = { name: deps.owner };

  let timer: NodeJS.Timeout | undefined;

  async function publish(): Promise<void> {
    const snapshot: NodeSnapshot = { owner: deps.owner, host, publishedAt: now(), nodes: own() };
    if (!(await deps.repo.replace('serverNodes', key, snapshot))) {
      await deps.repo.insert('serverNodes', key, snapshot);
    }
  }

  function own(): NodeSnapshot['nodes'] {
    return deps.processes().map((p) => ({
      name: `${p.job}/${p.name}`,
      host,
      pid: p.pid,
      state: p.state,
      job: p.job,
      compute: p.compute,
      currentMiniBatches: p.miniBatch === undefined ? [] : [p.miniBatch],
      lastHeartbeat: p.lastSeen.toISOString(),
    }));
  }

  /** Every live server's nodes: this one's as they are now, the others' as last published. */
  async function all(): Promise<NodeSnapshot['nodes']> {
    const at = now();
    const nodes = own();
    for (const snapshot of await deps.repo.list<NodeSnapshot>('serverNodes')) {
      if (snapshot.owner === deps.owner) continue;
      const age = at - snapshot.publishedAt;
      if (age <= deps.ttlMs) nodes.push(...snapshot.nodes);
      else if (age > FORGET_AFTER_LEASES * deps.ttlMs) {
        await deps.repo.remove('serverNodes', { name: snapshot.owner });
      }
    }
    return nodes;
  }

  return {
    async liveOwners() {
      const at = now();
      const live = new Set([deps.owner]);
      for (const snapshot of await deps.repo.list<NodeSnapshot>('serverNodes')) {
        if (at - snapshot.publishedAt <= deps.ttlMs) live.add(snapshot.owner);
      }
      return live;
    },
    async list(compute) {
      const wanted = compute.toLowerCase();
      return (await all()).filter(
        (node) =>
          node.compute.toLowerCase() === wanted || (node.compute === ANY_COMPUTE && wanted !== 'local'),
      );
    },
    async countByCompute() {
      const counts = new Map<string, number>();
      for (const node of await all()) counts.set(node.compute, (counts.get(node.compute) ?? 0) + 1);
      return counts;
    },
    async start() {
      await publish();
      timer = setInterval(
        () => {
          publish().catch(deps.onError);
        },
        Math.max(1000, Math.floor(deps.ttlMs / 3)),
      );
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await deps.repo.remove('serverNodes', key);
    },
  };
}
