/**
 * The nodes of embedded computes, shared by the compute's jobs. A compute has at most `max_instances`
 * nodes, named `node-0`, `node-1`, ...; a job holds one node per instance it runs (its pool on that node
 * is named after it), and a job that cannot get one waits, Queued, for the nodes others give back, in
 * the order jobs arrived (their rank). A node exists while a job holds it and, once given back, stays
 * idle for the compute's `idle_time_before_scale_down` and is then removed, unless the compute would
 * drop below `min_instances` (which are made at start, or when the compute appears, and kept).
 *
 * An idle node is a reserve of warm worker processes (forked with the runtimes imported, not yet
 * init()ed: a worker's init() loads one job's model, so a process cannot serve the next job) of the size
 * of the pool that last ran there (one for a node never used), which the node's next job adopts. They
 * run under permits of the server's worker capacity like every worker, taken only when free; a job that
 * waits for a permit makes idle nodes give a warm process up (the node itself stays), and they are
 * forked again once permits are free. The compute named `local` never comes here: it is the server's
 * own pool, per job, as before.
 */
import type { Logger } from 'pino';
import { createSpareWorkers, type SpareWorkers } from './pool/spare-workers.ts';
import type { WorkerLauncher } from './pool/worker-launcher.ts';

/** A compute's scale settings, as the compute resource records them. */
export interface ComputeScale {
  name: string;
  minNodeCount: number;
  maxNodeCount: number;
  idleSecondsBeforeScaleDown: number;
}

/** A node of a compute held by one job. */
export interface NodeLease {
  /** `node-N`: the compute's node, the name the job's pool and its attempts run under. */
  readonly node: string;
  /** The warm processes the node kept while idle: the job's pool adopts them before forking. */
  readonly spares: SpareWorkers | undefined;
}

/** An idle node, for the compute's node list. */
export interface IdleNode {
  compute: string;
  node: string;
  /** Its warm processes (none after it gave them up to a job that waited for workers). */
  pids: number[];
  since: Date;
}

/** The nodes one job holds or waits for. */
export interface JobNodes {
  /** The job is ending: requests still waiting are withdrawn, and no node granted later is used. */
  stop(): void;
  /** Gives every node back (call once the job's pools have ended and their processes exited). */
  release(): void;
}

export interface ComputeCapacity {
  /**
   * Asks for `count` nodes of `compute` for a job of turn `rank` whose pools have `size` processes each;
   * `open` is called as each node is granted and starts the job's pool on it (adopting the node's warm
   * processes before it returns).
   */
  requestNodes(request: {
    compute: string;
    rank: number;
    count: number;
    size: number;
    open: (lease: NodeLease) => void;
  }): JobNodes;
  /** The idle nodes of every compute now. */
  idle(): IdleNode[];
  /** Reads the computes again: makes min_instances nodes, removes what a deleted compute left. */
  sync(): Promise<void>;
  /** Syncs now, then every `syncMs`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Node {
  index: number;
  name: string;
  /** Set while no job holds the node. */
  idle?: { since: number; spares: SpareWorkers; timer?: NodeJS.Timeout };
}

interface Waiter {
  rank: number;
  grant(node: Node): void;
}

interface ComputeState {
  /** Undefined until the compute was read; then `found` says whether it exists. */
  scale?: ComputeScale;
  found: boolean;
  nodes: Map<number, Node>;
  waiters: Waiter[];
}

export interface ComputeCapacityDeps {
  launcher: WorkerLauncher;
  /** Every compute of the workspace (not `local`). */
  computes: () => Promise<ComputeScale[]>;
  /** The server's warm reserve, adopted after a node's own warm processes. */
  spares?: SpareWorkers;
  logger: Logger;
  now?: () => number;
  /** How often the computes are read again (min_instances of a new compute, a deleted one); default 5 s. */
  syncMs?: number;
}

/** Takes from the node's warm processes first, then from the server's reserve. */
function chain(first: SpareWorkers | undefined, then: SpareWorkers | undefined): SpareWorkers | undefined {
  if (first === undefined || then === undefined) return first ?? then;
  return {
    take: () => first.take() ?? then.take(),
    refill: () => undefined,
    pids: () => [...first.pids(), ...then.pids()],
    close: () => Promise.resolve(),
  };
}

/** A compute that is not (or no more) in the workspace: no cap, no idle time, no minimum. */
const unknownCompute = (name: string): ComputeScale => ({
  name,
  minNodeCount: 0,
  maxNodeCount: 1,
  idleSecondsBeforeScaleDown: 0,
});

export function createComputeCapacity(deps: ComputeCapacityDeps): ComputeCapacity {
  const states = new Map<string, ComputeState>();
  const now = deps.now ?? Date.now;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  function stateOf(compute: string): ComputeState {
    const key = compute.toLowerCase();
    let state = states.get(key);
    if (!state) {
      state = { found: false, nodes: new Map(), waiters: [] };
      states.set(key, state);
    }
    return state;
  }

  const nameOf = (c: ComputeState, fallback: string) => c.scale?.name ?? fallback;
  const held = (c: ComputeState) => [...c.nodes.values()].filter((n) => !n.idle).length;
  // A compute not found (a job whose deployment and compute went after it was invoked) has no cap.
  const maxOf = (c: ComputeState) => (c.found && c.scale ? c.scale.maxNodeCount : Infinity);
  const minOf = (c: ComputeState) => (c.found && c.scale ? c.scale.minNodeCount : 0);

  function newNode(c: ComputeState): Node {
    let index = 0;
    while (c.nodes.has(index)) index += 1;
    const node: Node = { index, name: `node-${index}` };
    c.nodes.set(index, node);
    return node;
  }

  /** Hands nodes to waiting jobs, idle ones (warm) first, while the compute has nodes to give. */
  function serve(c: ComputeState): void {
    // Not read yet: lookup() serves once it knows the compute's max.
    if (c.scale === undefined) return;
    while (c.waiters.length > 0 && held(c) < maxOf(c)) {
      const idle = [...c.nodes.values()].filter((n) => n.idle).sort((a, b) => a.index - b.index)[0];
      const node = idle ?? newNode(c);
      if (node.idle?.timer) clearTimeout(node.idle.timer);
      c.waiters.shift()?.grant(node);
    }
  }

  /** The node is given back (or made for min_instances): idle, warm, removed after the idle time. */
  function rest(c: ComputeState, node: Node, warm: number): void {
    if (closed) return;
    const idle: NonNullable<Node['idle']> = {
      since: now(),
      spares: createSpareWorkers(Math.max(1, warm), deps.launcher),
    };
    node.idle = idle;
    // A job waiting for the compute takes the node at once, without warm processes to wait for.
    serve(c);
    if (node.idle !== idle) return;
    idle.spares.refill();
    const idleMs = (c.scale?.idleSecondsBeforeScaleDown ?? 0) * 1000;
    idle.timer = setTimeout(() => {
      trim(c);
    }, idleMs + 10);
    idle.timer.unref();
  }

  /** Removes the nodes idle for longer than the idle time, oldest first, down to min_instances. */
  function trim(c: ComputeState): void {
    const idleMs = (c.scale?.idleSecondsBeforeScaleDown ?? 0) * 1000;
    const idle = [...c.nodes.values()]
      .filter((n) => n.idle !== undefined)
      .sort((a, b) => (a.idle?.since ?? 0) - (b.idle?.since ?? 0));
    for (const node of idle) {
      if (c.nodes.size <= minOf(c)) return;
      const since = node.idle?.since ?? 0;
      // Nodes past a max_instances lowered since they were made go without waiting for their idle time.
      const early = !c.found || c.nodes.size > maxOf(c);
      if (!early && now() - since < idleMs) return;
      remove(c, node);
    }
  }

  function remove(c: ComputeState, node: Node): void {
    if (node.idle?.timer) clearTimeout(node.idle.timer);
    void node.idle?.spares.close();
    c.nodes.delete(node.index);
    deps.logger.info(
      { compute: c.scale?.name, node: node.name },
      'compute node scaled down after its idle time',
    );
  }

  /** Makes idle nodes up to min_instances, and warms idle nodes that gave their processes up. */
  function fill(c: ComputeState): void {
    while (c.nodes.size < minOf(c)) rest(c, newNode(c), 1);
    for (const node of c.nodes.values()) node.idle?.spares.refill();
  }

  async function lookup(c: ComputeState, compute: string): Promise<void> {
    const scales = await deps.computes();
    const scale = scales.find((s) => s.name.toLowerCase() === compute.toLowerCase());
    c.scale = scale ?? unknownCompute(compute);
    c.found = scale !== undefined;
    serve(c);
  }

  /** Kills one warm process of an idle node, so a job waiting for a worker permit gets its permit. */
  function giveUpOne(): void {
    for (const c of states.values()) {
      for (const node of c.nodes.values()) {
        const spare = node.idle?.spares.take();
        if (spare === undefined) continue;
        spare.child.once('exit', () => {
          spare.permit.release();
        });
        spare.child.kill('SIGKILL');
        return;
      }
    }
  }
  deps.launcher.capacity.onShortage(giveUpOne);

  function requestNodes(request: Parameters<ComputeCapacity['requestNodes']>[0]): JobNodes {
    const { compute, rank, size } = request;
    const c = stateOf(compute);
    const leases: Node[] = [];
    const mine = new Set<Waiter>();
    const grant = (node: Node) => {
      const spares = node.idle?.spares;
      node.idle = undefined;
      request.open({ node: node.name, spares: chain(spares, deps.spares) });
      // The pool took the warm processes it needs as it started; the rest would hold permits for nothing.
      void spares?.close();
      leases.push(node);
      deps.logger.info({ compute: nameOf(c, compute), node: node.name, rank }, 'compute node given to a job');
    };
    for (let i = 0; i < request.count; i += 1) {
      const waiter: Waiter = { rank, grant };
      mine.add(waiter);
      // After every waiter of the same or a lower rank: jobs are served in the order they arrived.
      const at = c.waiters.findIndex((w) => w.rank > rank);
      c.waiters.splice(at < 0 ? c.waiters.length : at, 0, waiter);
    }
    // Read afresh: the compute's max_instances may have changed since the last sync.
    void lookup(c, compute).catch((error: unknown) => {
      // The store is down: go by what the last read said, or, never read, run the job uncapped.
      deps.logger.error({ err: error, compute }, 'reading the compute failed');
      if (c.scale === undefined) {
        c.scale = unknownCompute(compute);
        c.found = false;
      }
      serve(c);
    });
    const withdraw = () => {
      c.waiters = c.waiters.filter((w) => !mine.has(w));
    };
    return {
      stop: withdraw,
      release() {
        withdraw();
        for (const node of leases.splice(0)) rest(c, node, size);
      },
    };
  }

  async function sync(): Promise<void> {
    const scales = await deps.computes();
    const seen = new Set<string>();
    for (const scale of scales) {
      const c = stateOf(scale.name);
      c.scale = scale;
      c.found = true;
      seen.add(scale.name.toLowerCase());
      fill(c);
      trim(c);
      serve(c);
    }
    for (const [key, c] of states) {
      if (seen.has(key) || c.scale === undefined) continue;
      c.found = false;
      trim(c);
      if (c.nodes.size === 0 && c.waiters.length === 0) states.delete(key);
    }
  }

  return {
    requestNodes,
    idle() {
      return [...states.values()].flatMap((c) =>
        [...c.nodes.values()].flatMap((node) =>
          node.idle
            ? [
                {
                  compute: c.scale?.name ?? '',
                  node: node.name,
                  pids: node.idle.spares.pids(),
                  since: new Date(node.idle.since),
                },
              ]
            : [],
        ),
      );
    },
    sync,
    async start() {
      await sync();
      timer = setInterval(() => {
        sync().catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'reading the computes for their nodes failed');
        });
      }, deps.syncMs ?? 5000);
      timer.unref();
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      const closing: Promise<void>[] = [];
      for (const c of states.values()) {
        c.waiters = [];
        for (const node of c.nodes.values()) {
          if (node.idle?.timer) clearTimeout(node.idle.timer);
          if (node.idle) closing.push(node.idle.spares.close());
        }
      }
      await Promise.all(closing);
    },
  };
}
