/**
 * Data Factory's asynchronous request-reply handling (spec §2.7.1 `turnOffAsync`): a 202 with a `Location`
 * is followed by GETs on that location until something other than 202 comes back, and that final response
 * becomes the activity's. Waits between polls go through the Clock; the activity's own timeout (the
 * caller's signal) is what bounds the loop, as in Azure.
 */
import type { Clock } from '../time/clock.ts';
import type { HttpExchange } from './http-exchange.ts';

export interface PollingOptions {
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Wait when a 202 carries no usable Retry-After. */
  defaultIntervalMs: number;
  /** Sends one poll GET to an absolute URL. */
  poll(url: string): Promise<HttpExchange>;
}

/** Follows 202 + Location until done; a first 202 without Location is returned as it is. */
export async function followAcceptedResponse(
  first: HttpExchange,
  options: PollingOptions,
): Promise<HttpExchange> {
  let current = first;
  let location = locationOf(current);
  while (current.status === 202 && location !== undefined) {
    await options.clock.sleep(pollDelay(current, options), options.signal);
    current = await options.poll(location);
    // A later 202 may move the operation; without a new Location the same one is polled again.
    location = locationOf(current) ?? location;
  }
  return current;
}

function locationOf(exchange: HttpExchange): string | undefined {
  const location = exchange.headers.get('location');
  if (location === null || location.trim() === '') return undefined;
  try {
    return new URL(location.trim(), exchange.url).toString();
  } catch {
    return undefined;
  }
}

/** A floor on the wait, so a server answering `Retry-After: 0` cannot spin the loop. */
const MIN_POLL_DELAY_MS = 1000;

function pollDelay(exchange: HttpExchange, options: PollingOptions): number {
  return Math.max(MIN_POLL_DELAY_MS, requestedDelay(exchange, options));
}

function requestedDelay(exchange: HttpExchange, options: PollingOptions): number {
  const retryAfter = exchange.headers.get('retry-after')?.trim();
  if (retryAfter === undefined || retryAfter === '') return options.defaultIntervalMs;
  if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const at = Date.parse(retryAfter);
  if (Number.isNaN(at)) return options.defaultIntervalMs;
  return at - options.clock.now().getTime();
}
