/**
 * Reads of one record shared by the requests that want it at the same moment, without ever answering
 * a request with a read that began before it arrived: a read already under way may miss a change the
 * caller has just made (its own cancel, say), so later callers wait for the next read instead, which
 * starts when the one under way ends and serves all of them. Per key, at most one read runs and one
 * waits, whatever the number of callers: a hundred clients polling one job's status cost the database
 * a read or two at a time, not a hundred.
 */

interface Next<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

interface Slot<T> {
  running: Promise<T>;
  next?: Next<T>;
}

export function coalesceReads<K, T>(read: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const slots = new Map<K, Slot<T>>();

  function start(key: K): Promise<T> {
    const running = read(key);
    const slot: Slot<T> = { running };
    slots.set(key, slot);
    const settled = () => {
      const { next } = slot;
      if (next === undefined) {
        slots.delete(key);
        return;
      }
      // Everyone who arrived while this read ran gets the next one, which begins now, after them.
      start(key).then(next.resolve, next.reject);
    };
    running.then(settled, settled);
    return running;
  }

  return (key) => {
    const slot = slots.get(key);
    if (slot === undefined) return start(key);
    if (slot.next === undefined) {
      let resolve: (value: T) => void = () => undefined;
      let reject: (error: unknown) => void = () => undefined;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      slot.next = { promise, resolve, reject };
    }
    return slot.next.promise;
  };
}
