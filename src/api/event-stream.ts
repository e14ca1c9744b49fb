/**
 * Server-Sent Events for the studio's live pages: the route gives a `read` that returns the current state
 * of what the page shows with a version, and the stream sends that state whenever the version changes
 * (checked every `intervalMs`, so a change shows within a second whatever server or worker made it, with
 * no message bus between servers). Each event's id is its version: a browser that reconnects with
 * `Last-Event-ID` gets the state only if it changed meanwhile. A final state ends the stream, comments keep
 * idle proxies from closing it, and a client that goes away stops the reads. The stream is the reply's
 * body, so the access check and the audit trail treat it as any other answer.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface Snapshot<T> {
  /** Changes whenever `data` does (a counter, a timestamp, a hash). */
  version: string;
  data: T;
  /** Nothing more will change (a job that ended): sent, then the stream ends. */
  final: boolean;
}

export interface StreamOptions {
  /** The SSE event name; `snapshot` unless told. */
  event?: string;
  intervalMs?: number;
  heartbeatMs?: number;
}

const DEFAULT_INTERVAL_MS = 400;
const DEFAULT_HEARTBEAT_MS = 15_000;

function frame(id: string, event: string, data: unknown): string {
  // JSON has no raw newlines, so one `data:` line carries it.
  return `id: ${id.replace(/[\r\n]/g, '')}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function lastEventId(request: FastifyRequest): string | undefined {
  const value = request.headers['last-event-id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Answers the request with a stream of `read()`'s states; resolves the reply at once. */
export function sendSnapshots<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  read: () => Promise<Snapshot<T>>,
  options: StreamOptions = {},
): FastifyReply {
  const event = options.event ?? 'snapshot';
  const body = new PassThrough();
  let open = true;
  const close = () => {
    open = false;
  };
  request.raw.on('close', close);
  body.on('close', close);
  const heartbeat = setInterval(() => {
    if (open) body.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref();
  const pump = async () => {
    let last = lastEventId(request);
    body.write('retry: 1000\n\n');
    while (open) {
      const snapshot = await read();
      if (snapshot.version !== last) {
        body.write(frame(snapshot.version, event, snapshot.data));
        last = snapshot.version;
      }
      if (snapshot.final) break;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? DEFAULT_INTERVAL_MS));
    }
  };
  pump()
    .catch((error: unknown) => {
      // The page shows the message and reconnects; the reason is the server's own sentence.
      if (open) body.write(frame('error', 'error', { message: (error as Error).message }));
    })
    .finally(() => {
      clearInterval(heartbeat);
      body.end();
    });
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no')
    .send(body);
}
