/**
 * Run ids, activity run ids and `guid()` values come from an injected generator, so tests can predict them.
 */
import { randomUUID } from 'node:crypto';

export interface IdGenerator {
  newId(): string;
}

export function randomIds(): IdGenerator {
  return { newId: () => randomUUID() };
}

/** GUID-shaped ids counting up from 1, for reproducible tests. */
export function sequentialIds(): IdGenerator {
  let next = 1;
  return {
    newId: () => `00000000-0000-4000-8000-${String(next++).padStart(12, '0')}`,
  };
}
