/**
 * Seats on a job: how workers keep to a job's node cap (instance_count within the compute's
 * max_instances) when several look at the same moment. A seat is a document keyed by the job and a slot
 * number, and the store's insert-if-absent is atomic, so two workers can never hold one slot: the cap is
 * the number of slots. Counting other workers' heartbeats instead let two workers that joined within one
 * beat both see room. A slot whose holder stopped heartbeating (and took it more than a lease ago) is
 * taken over; the driver removes a job's seats when the job ends.
 */
import type { NodeSnapshot } from '../engine/shared-compute-nodes.ts';
import type { ResourceRepository } from '../store/contract.ts';

const SEAT_KIND = 'jobSeats';

interface Seat {
  owner: string;
  takenAt: number;
}

export interface JobSeats {
  /** Takes a free slot of the job's `cap` (or keeps the one held); false when all are held by live workers. */
  take(job: string, cap: number): Promise<boolean>;
  /** Gives back the slot this worker holds on the job, if any. */
  release(job: string): Promise<void>;
}

export function createJobSeats(deps: {
  repo: ResourceRepository;
  owner: string;
  leaseMs: number;
  now?: () => number;
}): JobSeats {
  const { repo, owner, leaseMs } = deps;
  const now = deps.now ?? Date.now;
  const key = (job: string, slot: number) => ({ scope: job.toLowerCase(), name: `slot-${slot}` });

  /** Holders that heartbeat, or took their seat less than a lease ago (before their first beat). */
  async function liveHolders(): Promise<Set<string>> {
    const at = now();
    const snapshots = await repo.list<NodeSnapshot>('serverNodes');
    return new Set(snapshots.filter((s) => at - s.publishedAt <= leaseMs).map((s) => s.owner));
  }

  return {
    async take(job, cap) {
      const slots = Math.max(1, cap);
      const held = await repo.list<Seat & { slot: number }>(SEAT_KIND, { scope: job.toLowerCase() });
      if (held.some((s) => s.owner === owner && s.slot < slots)) return true;
      let live: Set<string> | undefined;
      for (let slot = 0; slot < slots; slot += 1) {
        const seat = { owner, takenAt: now(), slot };
        if (await repo.insert(SEAT_KIND, key(job, slot), seat)) return true;
        const holder = await repo.get<Seat>(SEAT_KIND, key(job, slot));
        if (holder === undefined) {
          if (await repo.insert(SEAT_KIND, key(job, slot), seat)) return true;
          continue;
        }
        live ??= await liveHolders();
        if (live.has(holder.owner) || now() - holder.takenAt <= leaseMs) continue;
        // A dead holder's slot: removed (if it still holds it: another worker may have just taken it
        // over), then taken by whichever insert comes first.
        const still = await repo.get<Seat>(SEAT_KIND, key(job, slot));
        if (still?.owner === holder.owner) await repo.remove(SEAT_KIND, key(job, slot));
        if (await repo.insert(SEAT_KIND, key(job, slot), seat)) return true;
      }
      return false;
    },
    async release(job) {
      const held = await repo.list<Seat & { slot: number }>(SEAT_KIND, { scope: job.toLowerCase() });
      for (const seat of held.filter((s) => s.owner === owner)) {
        await repo.remove(SEAT_KIND, key(job, seat.slot));
      }
    },
  };
}
