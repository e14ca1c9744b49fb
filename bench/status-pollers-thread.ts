/**
 * Section (k)'s status pollers, in a worker thread so that their own event loop, not the server's (the
 * server runs in the bench's main thread), sends requests and reads replies. `count` pollers each GET the
 * job's status, read the body, pause about `pauseMs` and go again, until the main thread says stop; the
 * thread then posts every request's latency in milliseconds and how many failed. Each poller's first
 * request, which opens its connection, is a warm-up and not counted. Pollers are independent clients, so
 * each starts at a random moment within the first pause and each pause is drawn from 0.5 to 1.5 times
 * `pauseMs`: pollers that all fire in the same millisecond would measure a burst of 100 requests queued
 * behind each other (the last waits for the 99 before it), which no set of separate clients produces.
 *
 * Requests go through node:http with a keep-alive agent, not fetch(): real pollers run on machines of
 * their own, and here they share the server's two cores, so what the harness spends per request shows up
 * in the server's tail. fetch() cost this process about 0.1 ms of CPU more per request than node:http,
 * and on an idle embedded server the same pollers measured p99 13 ms through fetch against 6 ms
 * (docs/decisions.md, "A status poll is one read, and the pollers cost what clients cost").
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'node:http';

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

// One connection per poller at most, kept open between its requests, as each separate client would.
const agent = new Agent({ keepAlive: true, maxSockets: settings.count });

/** One GET of the status, its body read to the end; resolves with the HTTP status. */
function getStatus(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(
      settings.url,
      { agent, headers: { authorization: settings.authorization } },
      (reply) => {
        reply.resume();
        reply.once('end', () => {
          resolve(reply.statusCode ?? 0);
        });
        reply.once('error', reject);
      },
    );
    sent.once('error', reject);
    sent.end();
  });
}

const pause = (): number => settings.pauseMs * (0.5 + Math.random());

async function poller(): Promise<void> {
  await sleep(Math.random() * settings.pauseMs);
  // Each poller's first request opens its connection: a warm-up, not counted.
  for (let first = true; running; first = false) {
    const started = performance.now();
    try {
      const status = await getStatus();
      if (status !== 200) failures.push(`GET -> ${String(status)}`);
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
  void Promise.all(pollers).then(() => {
    agent.destroy();
    parentPort?.postMessage({ latencies, failed: failures.length, firstFailures: failures.slice(0, 3) });
  });
});
