/**
 * Section (k)'s status pollers, in a worker thread so that their own event loop, not the server's (the
 * server runs in the bench's main thread), sends requests and reads replies. `count` pollers each GET the
 * job's status, read the body, pause `pauseMs` and go again, until the main thread says stop; the thread
 * then posts every request's latency in milliseconds and how many failed. Each poller's first request,
 * which opens its connection, is a warm-up and not counted.
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

async function poller(): Promise<void> {
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
    await sleep(settings.pauseMs);
  }
}

const pollers = Array.from({ length: settings.count }, () => poller());
parentPort?.once('message', () => {
  running = false;
  void Promise.all(pollers).then(() =>
    parentPort?.postMessage({ latencies, failed: failures.length, firstFailures: failures.slice(0, 3) }),
  );
});
