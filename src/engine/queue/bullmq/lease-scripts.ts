/**
 * The lease bookkeeping that BullMQ cannot do for us, as Lua scripts run atomically in Redis. BullMQ's
 * lock (a key holding the holder's token, set by its own moveToActive) says who holds a task, and its
 * scripts check it on every move out of active; but its expiry is Redis's wall clock, while the
 * contract's leases end on an injectable clock (`reclaimExpired(asOf)`, tests that move time). So the
 * deadline of each lease lives beside the lock, in a sorted set scored on that clock, and each script
 * here changes the lock and the deadline together, so no holder can be half-reclaimed. The lock keeps a
 * Redis TTL of lease + grace as a safety net: a process that dies between BullMQ's step and ours leaves
 * a task in active without a deadline, which the reclaim sweep picks up once that TTL has run out.
 */
import type { RedisClient } from 'bullmq';
import type { QueueKeys } from './names.ts';

const REGISTER = `
redis.call('SADD', KEYS[2], ARGV[1])
for i = 2, #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[i])
end
return #ARGV - 1`;

// Only ids whose lock still holds the token become leases: what another hand moved meanwhile is not ours.
const ADOPT = `
local adopted = {}
for i = 5, #ARGV do
  local lock = ARGV[4] .. ARGV[i] .. ':lock'
  if redis.call('GET', lock) == ARGV[1] then
    redis.call('SET', lock, ARGV[1], 'PX', ARGV[2])
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[i])
    table.insert(adopted, ARGV[i])
  end
end
return adopted`;

const HEARTBEAT = `
if redis.call('GET', KEYS[2]) == ARGV[1] and redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  return 1
end
return 0`;

// Before the holder's ack or nack: the deadline goes (and a nack's ready time is set) while the lock,
// which BullMQ's move checks and removes, still says who holds the task.
const RELEASE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2]) end
return 1`;

// Expired deadlines lose their lock at once (the old holder can no longer heartbeat, ack or nack), and
// tasks left in active with neither deadline nor lock (see above) join them. Returns queue, id pairs.
const EXPIRE = `
local found, seen = {}, {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])) do
  redis.call('ZREM', KEYS[1], id)
  local queue = redis.call('HGET', KEYS[2], id)
  if queue then
    redis.call('DEL', ARGV[2] .. queue .. ':' .. id .. ':lock')
    seen[id] = true
    table.insert(found, queue)
    table.insert(found, id)
  end
end
for _, queue in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local base = ARGV[2] .. queue .. ':'
  for _, id in ipairs(redis.call('LRANGE', base .. 'active', 0, -1)) do
    if not seen[id] and not redis.call('ZSCORE', KEYS[1], id) and redis.call('EXISTS', base .. id .. ':lock') == 0 then
      seen[id] = true
      table.insert(found, queue)
      table.insert(found, id)
    end
  end
end
return found`;

const DUE = `return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])`;

const UNPARK = `
for i = 1, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
return #ARGV`;

const FORGET = `
local ids = redis.call('SMEMBERS', KEYS[3])
for _, id in ipairs(ids) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[4], id)
end
redis.call('DEL', KEYS[3], KEYS[5])
redis.call('SREM', KEYS[2], ARGV[1])
return #ids`;

const KNOWN = `return redis.call('SISMEMBER', KEYS[1], ARGV[1])`;

const SCRIPTS = {
  known: { keys: 1, lua: KNOWN },
  register: { keys: 3, lua: REGISTER },
  adopt: { keys: 1, lua: ADOPT },
  heartbeat: { keys: 2, lua: HEARTBEAT },
  release: { keys: 3, lua: RELEASE },
  expire: { keys: 3, lua: EXPIRE },
  due: { keys: 1, lua: DUE },
  unpark: { keys: 1, lua: UNPARK },
  forget: { keys: 5, lua: FORGET },
} as const;

/** One leased or reclaimed task, by where BullMQ keeps it. */
export interface QueuedRef {
  queue: string;
  bullId: string;
}

export interface LeaseScripts {
  /** Records that these BullMQ job ids belong to `queue` (before they are added to it). */
  register(queue: string, bullIds: readonly string[]): Promise<void>;
  /** Turns BullMQ locks just taken with `token` into leases until `deadline`; returns the ids adopted. */
  adopt(
    queue: string,
    token: string,
    bullIds: readonly string[],
    deadline: number,
    lockTtlMs: number,
  ): Promise<string[]>;
  heartbeat(ref: QueuedRef, token: string, deadline: number, lockTtlMs: number): Promise<boolean>;
  /** True when `token` holds the task; its deadline is then dropped (and `readyAt` recorded, if given). */
  release(ref: QueuedRef, token: string, readyAt?: number): Promise<boolean>;
  /** Takes the locks of every lease that ended before `asOf`, and finds tasks a crash left behind. */
  expire(asOf: number): Promise<QueuedRef[]>;
  /** Nacked tasks of a queue whose ready time has come. */
  due(queue: string, now: number): Promise<string[]>;
  unpark(queue: string, bullIds: readonly string[]): Promise<void>;
  /** Whether a queue holds tasks (from its first enqueue to its removal). */
  known(queue: string): Promise<boolean>;
  /** Drops what we kept about a queue that BullMQ has obliterated. */
  forget(queue: string): Promise<void>;
}

// A run of ids per script call, so a job of many thousand mini-batches does not make one huge call.
const CHUNK = 1000;

export function createLeaseScripts(client: RedisClient, keys: QueueKeys): LeaseScripts {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    client.defineCommand(`nightshift_${name}`, { numberOfKeys: script.keys, lua: script.lua });
  }
  const run = (name: keyof typeof SCRIPTS, args: (string | number)[]): Promise<unknown> =>
    client.runCommand(`nightshift_${name}`, args);

  return {
    async register(queue, bullIds) {
      for (let i = 0; i < bullIds.length; i += CHUNK) {
        const chunk = bullIds.slice(i, i + CHUNK);
        await run('register', [keys.index, keys.queues, keys.ids(queue), queue, ...chunk]);
      }
    },
    async adopt(queue, token, bullIds, deadline, lockTtlMs) {
      const args = [keys.leases, token, lockTtlMs, deadline, `${keys.base}${queue}:`, ...bullIds];
      return (await run('adopt', args)) as string[];
    },
    async heartbeat(ref, token, deadline, lockTtlMs) {
      const args = [keys.leases, keys.lock(ref.queue, ref.bullId), token, lockTtlMs, deadline, ref.bullId];
      return (await run('heartbeat', args)) === 1;
    },
    async release(ref, token, readyAt) {
      const lock = keys.lock(ref.queue, ref.bullId);
      const args = [keys.leases, lock, keys.parked(ref.queue), token, ref.bullId, readyAt ?? ''];
      return (await run('release', args)) === 1;
    },
    async expire(asOf) {
      const flat = (await run('expire', [keys.leases, keys.index, keys.queues, asOf, keys.base])) as string[];
      const refs: QueuedRef[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        refs.push({ queue: flat[i] ?? '', bullId: flat[i + 1] ?? '' });
      return refs;
    },
    async due(queue, now) {
      return (await run('due', [keys.parked(queue), now])) as string[];
    },
    async unpark(queue, bullIds) {
      if (bullIds.length > 0) await run('unpark', [keys.parked(queue), ...bullIds]);
    },
    async known(queue) {
      return (await run('known', [keys.queues, queue])) === 1;
    },
    async forget(queue) {
      await run('forget', [keys.index, keys.queues, keys.ids(queue), keys.leases, keys.parked(queue), queue]);
    },
  };
}
