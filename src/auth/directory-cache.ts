/**
 * The directory (service principals, managed identities, role assignments) is read on every request, so
 * it is kept in memory and read again when it changes. Embedded, this server is the only writer: its own
 * changes are all there is. Scaled out, another server may change it (a role removed through one server
 * must stop working on all of them): a change is signalled to every server, which drops its copy, and a
 * copy older than `ttlMs` is read again anyway, so a lost signal delays a change by at most that long
 * (Azure documents up to 10 minutes for a role assignment to take effect everywhere).
 */
/** What this needs of the deployment's signals (engine/signals/contract.ts), which the root passes in. */
interface ChangeSignals {
  publish(topic: string): Promise<void>;
  subscribe(topic: string, onSignal: () => void): unknown;
}

/** How a directory kept in memory stays fresh. */
export interface DirectoryFreshness {
  /** Scaled out: the other servers' changes arrive on the directory topic. */
  signals?: ChangeSignals | undefined;
  /** Scaled out: the oldest a copy may be (ms). */
  ttlMs?: number | undefined;
  now?: () => number;
}

/** Scaled out: the oldest a server's copy may be, should another server's signal be lost. */
const SHARED_TTL_MS = 5_000;

/** Embedded, a copy lives until this server's own next change; scaled out, as said above. */
export function directoryFreshness(shared: boolean, signals: ChangeSignals | undefined): DirectoryFreshness {
  return shared ? { signals, ttlMs: SHARED_TTL_MS } : {};
}

export interface CachedDirectory<T> {
  get(): Promise<T>;
  /** Read again, unless a read newer than `seen` (what get gave) is under way or done. */
  reload(seen: Promise<T>): Promise<T>;
  /** This process changed the directory: its copy is dropped and the other servers are told. */
  changed(): Promise<void>;
}

const TOPIC = 'directory';

export function cacheDirectory<T>(
  load: () => Promise<T>,
  freshness: DirectoryFreshness = {},
): CachedDirectory<T> {
  const now = freshness.now ?? Date.now;
  let value: Promise<T> | undefined;
  let loadedAt = 0;
  const drop = () => {
    value = undefined;
  };
  freshness.signals?.subscribe(TOPIC, drop);
  return {
    get() {
      const stale = freshness.ttlMs !== undefined && now() - loadedAt >= freshness.ttlMs;
      if (value === undefined || stale) {
        loadedAt = now();
        const loading = load();
        value = loading;
        // A failed read is not kept: the next request reads again.
        loading.catch(() => {
          if (value === loading) value = undefined;
        });
      }
      return value;
    },
    reload(seen) {
      if (value !== undefined && value !== seen) return value;
      value = undefined;
      return this.get();
    },
    async changed() {
      drop();
      await freshness.signals?.publish(TOPIC);
    },
  };
}
