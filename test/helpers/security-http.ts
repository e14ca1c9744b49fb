/**
 * Raw HTTP for the attack suite. `fetch` normalizes what an attacker would not: it resolves `..`
 * segments, refuses a `Host` header and always picks its own source address. These helpers send the
 * request line, headers and body exactly as given, from a chosen local address, so a test can spell a
 * path any way it likes (percent-encoded letters, double slashes, dot segments), claim any Host, or come
 * from a second loopback or a non-loopback address. They also read the audit log and check that an
 * answer carries no internals (stack frames, source or data paths).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent verbatim as the request target: no normalization, no encoding. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The client socket's source address (e.g. 127.0.0.2, or a non-loopback address of this host). */
  localAddress?: string;
}

/** Sends one request to `base` (http://host:port) exactly as described; never throws on an HTTP status. */
export function raw(base: string, req: RawRequest): Promise<RawReply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
      headers['content-length'] = String(Buffer.byteLength(req.body));
    const outgoing = httpRequest(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        ...(req.localAddress === undefined ? {} : { localAddress: req.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `error.code` of an ARM envelope, or `error` of an OAuth body; '' when there is neither. */
export function errorCode(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : '';
  }
  return '';
}

export interface AuditRow {
  time: string;
  method: string;
  path: string;
  status: number;
  result: string;
  action: string;
  principal: string;
  address: string;
  detail?: string;
}

/** The audit log, newest first, as the owner reads it. */
export async function auditLog(
  base: string,
  ownerHeader: Record<string, string>,
  filter: Record<string, string> = {},
): Promise<AuditRow[]> {
  const query = new URLSearchParams({ limit: '10000', ...filter }).toString();
  const reply = await raw(base, {
    method: 'GET',
    path: `/nightshift/auditLogs?${query}`,
    headers: ownerHeader,
  });
  assert.equal(reply.status, 200, reply.text);
  return (reply.json as { value: AuditRow[] }).value;
}

/** One spelling of a path reduced to what a router sees: decoded, lower case, single slashes. */
function canonicalPath(path: string): string {
  let bare = path.split('?')[0] ?? '';
  try {
    bare = decodeURIComponent(bare);
  } catch {
    // Left as sent: an undecodable path is compared raw.
  }
  return bare
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
}

/**
 * Waits until the audit log holds an entry for this call, written at or after `since` (ISO time): same
 * method and status, and a path that is the one sent in any spelling (the entry may keep it raw or
 * decoded). The entry is appended after the answer is sent, so the log is read again a bounded number of
 * times before the test fails.
 */
export async function expectAudited(
  base: string,
  ownerHeader: Record<string, string>,
  call: { method: string; path: string; status: number; since: string },
): Promise<AuditRow> {
  const wanted = canonicalPath(call.path);
  // An entry may keep the path as sent, decoded, or as the route's pattern (`/a/:name/*`).
  const samePath = (recorded: string): boolean => {
    const entry = canonicalPath(recorded);
    if (entry === wanted) return true;
    if (!/(^|\/)(:|\*)/.test(entry)) return false;
    const pattern = entry
      .split('/')
      .map((s) => (s === '*' ? '.*' : s.startsWith(':') ? '[^/]+' : s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return new RegExp(`^${pattern}$`).test(wanted);
  };
  let rows: AuditRow[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    rows = await auditLog(base, ownerHeader);
    const found = rows.find(
      (r) => r.time >= call.since && r.method === call.method && r.status === call.status && samePath(r.path),
    );
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(
    `no audit entry for ${call.method} ${call.path} -> ${call.status} since ${call.since}; newest: ` +
      JSON.stringify(rows.slice(0, 3)),
  );
}

/**
 * A stack frame (`at fn (file:1:2)`, `    at file:1:2`) or a source position in a text, of anything but the
 * user's own script: the issue lets a job view carry the script's traceback, whose files are shown by
 * their datastore URI (`azureml://...`), never by a path on the server.
 */
const STACK_FRAME =
  /(^|\n)\s*at\s+(?![^\n]*azureml:\/\/)\S[^\n]*:\d+:\d+|\((?!azureml:\/\/)\S+\.(?:ts|js|mjs|cjs):\d+:\d+\)/;

/**
 * What no answer may show: stack frames, Node's internals, and absolute paths of the server (its source
 * tree, its data dir, node_modules). `secrets` are strings that must not appear either.
 */
export function internalsIn(text: string, server: { dataDir: string }, secrets: string[] = []): string[] {
  const found: string[] = [];
  if (STACK_FRAME.test(text)) found.push('a stack frame');
  for (const needle of [process.cwd(), server.dataDir, 'node_modules', 'node:internal', '/src/runtimes'])
    if (text.includes(needle)) found.push(needle);
  for (const secret of secrets) if (secret !== '' && text.includes(secret)) found.push('a secret');
  return found;
}

export interface LargeBodyReply {
  status: number;
  text: string;
  /** Body bytes written before the answer came (or all of them). */
  sentBytes: number;
}

/**
 * Streams a `totalBytes` JSON body (`{"properties":{"description":"xxx…"}}`) and stops writing as soon
 * as an answer arrives. A server that refuses an oversized body answers long before the last byte is
 * sent; one that buffers the whole body answers only after it. With `chunked`, no Content-Length is
 * sent, so only counting bytes as they come can stop it.
 */
export function sendLarge(
  base: string,
  req: {
    method: string;
    path: string;
    headers: Record<string, string>;
    totalBytes: number;
    chunked: boolean;
  },
): Promise<LargeBodyReply> {
  const url = new URL(base);
  const head = Buffer.from('{"properties":{"description":"');
  const tail = Buffer.from('"}}');
  const filler = Buffer.alloc(64 * 1024, 'x');
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers = { ...req.headers, 'content-type': 'application/json' };
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        agent: false,
        headers: req.chunked ? headers : { ...headers, 'content-length': String(req.totalBytes) },
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), sentBytes: sent });
        });
        res.on('error', reject);
      },
    );
    // A server that refuses early may close the socket while we still write; the answer decides.
    outgoing.on('error', (error) => {
      if (!answered) reject(new Error(`no answer after ${sent} bytes: ${error.message}`));
    });
    const write = (chunk: Buffer): boolean => {
      sent += chunk.length;
      return outgoing.write(chunk);
    };
    const pump = (): void => {
      if (sent === 0) write(head);
      while (!answered && sent + filler.length + tail.length <= req.totalBytes) {
        if (!write(filler)) {
          outgoing.once('drain', pump);
          return;
        }
      }
      if (answered) return;
      write(Buffer.alloc(req.totalBytes - sent - tail.length, 'x'));
      write(tail);
      outgoing.end();
    };
    pump();
  });
}
