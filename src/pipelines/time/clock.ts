/**
 * Every wait in a pipeline run goes through a Clock (spec §7.2): Wait, retry intervals, Until and activity
 * timeouts, HTTP timeouts and 202 polling. The real clock waits; the virtual clock jumps ahead when every
 * run on it is waiting, so a two-hour polling pipeline is tested in milliseconds.
 */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
