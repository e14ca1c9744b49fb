/**
 * The CLI's HTTP client for the Nightshift REST API. It learns the workspace's ARM prefix from the server
 * once, sends JSON or file streams, and turns the ARM error envelope into a CliError whose message is
 * the server's own (which names the field and the fix).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { audienceForPath } from '../auth/audiences.ts';
import type { TokenSource } from './credentials.ts';

export class CliError extends Error {
  readonly exitCode: number;
  readonly status: number | undefined;
  constructor(message: string, options: { exitCode?: number; status?: number } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.status = options.status;
  }
}

export interface ApiClient {
  readonly server: string;
  workspacePath(): Promise<string>;
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** Streams a GET response into a local file (creating its folder). */
  download(path: string, localFile: string): Promise<number>;
  /** Uploads one local file to a datastore path; returns the datastore URI. `onBytes` counts what is sent. */
  uploadFile(
    localFile: string,
    datastore: string,
    path: string,
    onBytes?: (bytes: number) => void,
  ): Promise<string>;
  /** A GET whose answer is left unread (a file to stream, or a listing): a failure is a CliError. */
  open(path: string): Promise<Response>;
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string };
}

const LOGIN_HINT =
  "Log in with 'nightshift login --service-principal -u APP_ID -p SECRET --tenant TENANT', or run the CLI " +
  "beside the server's data dir (or set NIGHTSHIFT_DATA_DIR to it) to act as its local owner.";

export function createApiClient(server: string, tokens?: TokenSource): ApiClient {
  const base = server.replace(/\/+$/, '');
  let wsPath: string | undefined;

  async function authorization(path: string): Promise<Record<string, string>> {
    if (!tokens) return {};
    try {
      return { authorization: `Bearer ${await tokens.token(audienceForPath(path))}` };
    } catch (error) {
      // fetch failing to connect carries a system error code: the server is not there, say so plainly.
      if (error instanceof TypeError && error.message === 'fetch failed') {
        const cause = error.cause as { code?: string; errors?: { code?: string }[] } | undefined;
        throw unreachable(cause?.code ?? cause?.errors?.[0]?.code ?? 'connection failed');
      }
      throw new CliError(`Cannot get a token from ${tokens.origin}: ${(error as Error).message}`);
    }
  }

  function unreachable(cause: string): CliError {
    return new CliError(
      `Cannot reach the Nightshift server at ${base} (${cause}). Start it with 'nightshift serve' (bin/nightshift) or set --server / NIGHTSHIFT_SERVER.`,
    );
  }

  function failure(status: number, message: string): CliError {
    const hint = status === 401 ? ` ${tokens ? `(credentials from ${tokens.origin})` : LOGIN_HINT}` : '';
    return new CliError(`${message} (HTTP ${status})${hint}`, { status });
  }

  async function fetchWithToken(
    method: string,
    path: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response> {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    try {
      return await fetch(url, {
        method,
        body: init.body ?? null,
        headers: { ...(await authorization(path)), ...init.headers },
        duplex: 'half',
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw unreachable((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
    }
  }

  async function send(
    method: string,
    path: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string> },
  ) {
    let response = await fetchWithToken(method, path, init);
    // A kept token the server no longer takes (it was restarted on a new key, the principal was
    // recreated) is dropped and the call made once more with a fresh one; a stream cannot be resent.
    const replayable = init.body === undefined || typeof init.body === 'string';
    if (response.status === 401 && replayable && tokens?.forget?.(audienceForPath(path))) {
      await response.arrayBuffer();
      response = await fetchWithToken(method, path, init);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text || response.statusText;
      try {
        const parsed = JSON.parse(text) as ErrorEnvelope;
        if (parsed.error?.message) message = `${parsed.error.code ?? 'Error'}: ${parsed.error.message}`;
      } catch {
        // not JSON: keep the raw text
      }
      throw failure(response.status, message);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  return {
    server: base,
    async workspacePath() {
      if (!wsPath) wsPath = ((await send('GET', '/info', {})) as { workspaceId: string }).workspaceId;
      return wsPath;
    },
    async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const init =
        body === undefined
          ? { headers }
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
      return (await send(method, path, init)) as T;
    },
    async open(path: string) {
      const headers = await authorization(path);
      const response = await fetch(`${base}${path}`, { headers }).catch((error: unknown) => {
        throw new CliError(`Cannot reach the Nightshift server at ${base}: ${(error as Error).message}`);
      });
      if (!response.ok || !response.body) {
        const text = await response.text();
        let message = text;
        try {
          message = (JSON.parse(text) as ErrorEnvelope).error?.message ?? text;
        } catch {
          // not JSON
        }
        throw failure(response.status, message);
      }
      return response;
    },
    async download(path: string, localFile: string) {
      const response = await this.open(path);
      await mkdir(dirname(localFile), { recursive: true });
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(localFile));
      return (await stat(localFile)).size;
    },
    async uploadFile(localFile: string, datastore: string, path: string, onBytes?: (bytes: number) => void) {
      const size = (await stat(localFile)).size;
      const encoded = path.split('/').map(encodeURIComponent).join('/');
      const target = `${await this.workspacePath()}/datastores/${datastore}/paths/${encoded}`;
      const file = createReadStream(localFile);
      if (onBytes)
        file.on('data', (chunk) => {
          onBytes(chunk.length);
        });
      await send('PUT', target, {
        body: Readable.toWeb(file),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      });
      return `azureml://datastores/${datastore}/paths/${path}`;
    },
  };
}
