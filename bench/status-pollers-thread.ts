/**
 * Section (k)'s status pollers, in a worker thread so that their own event loop, not the server's (the
 * server runs in the bench's main thread), sends requests and reads replies. `count` pollers each GET the
 * job's status, read the body, pause about `pauseMs` and go again, until the main thread says stop; the
 * thread then posts every request's latency in milliseconds and how many failed. Each poller's first
 * request, which opens its connection, is a warm-up and not counted. Pollers are independent clients, so
 * each starts at a random moment within the first pause and each pause is drawn from 0.5 to 1.5 times
 * `pauseMs`: pollers that all fire in the same millisecond would measure a burst of 100 requests queued
 * behind each other (the last waits for the 99 before it), which no set of separate clients produces.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';

interface Settings {
  url: string;
  authorization: string;
  count: number;
  pauseMs: number;
}

const settings = workerData as Settings;
let running = true;
const latencies: number[] = [];
const failures: string[] = [];

const pause = (): number => settings.pauseMs * (0.5 + Math.random());

async function poller(): Promise<void> {
  await sleep(Math.random() * settings.pauseMs);
  // Each poller's first request opens its connection: a warm-up, not counted.
  for (let first = true; running; first = false) {
    const started = performance.now();
    try {
      const response = await fetch(settings.url, { headers: { authorization: settings.authorization } });
      await response.arrayBuffer();
      if (!response.ok) failures.push(`GET -> ${String(response.status)}`);
      else if (!first) latencies.push(performance.now() - started);
    } catch (error) {
      failures.push(String(error));
    }
    await sleep(pause());
  }
}

const pollers = Array.from({ length: settings.count }, () => poller());
parentPort?.once('message', () => {
  running = false;
  void Promise.all(pollers).then(() =>
    parentPort?.postMessage({ latencies, failed: failures.length, firstFailures: failures.slice(0, 3) }),
  );
});
