/**
 * The studio's only way to the server: the public REST API, with the session's token, the api-version
 * Azure's clients send, and failures turned into `ApiError`s that carry the server's own message and the
 * field it names (the ARM envelope's `details[].target`), so a form can show the message beside that field
 * and a page can show a 403's message instead of going blank.
 */
import { DATA_PLANE, MANAGEMENT, type Session } from './session.ts';

const API_VERSION = '2024-04-01';
const DATA_PLANE_PATH = /^\/endpoints\//i;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The request field the server named, when it named one. */
  readonly target: string | undefined;
  constructor(status: number, code: string, message: string, target?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.target = target;
  }
}

interface Envelope {
  error?: { code?: string; message?: string; details?: { target?: string }[] } | string;
  error_description?: string;
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: Envelope = {};
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    // A plain-text answer (a proxy's, say): its text is the message.
  }
  const error = typeof body.error === 'object' ? body.error : undefined;
  const message =
    error?.message ?? body.error_description ?? (text.trim() || `${response.status} ${response.statusText}`);
  const code = error?.code ?? (typeof body.error === 'string' ? body.error : `Http${response.status}`);
  return new ApiError(response.status, code, message, error?.details?.find((d) => d.target)?.target);
}

export interface WorkspaceInfo {
  workspaceId: string;
  workspace: string;
  location: string;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** `headers` carries what a route reads beside the body, e.g. `azureml-model-deployment` on a scoring URI. */
interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
}

export class ApiClient {
  readonly session: Session;
  #workspace: Promise<WorkspaceInfo> | undefined;

  constructor(session: Session) {
    this.session = session;
  }

  /** The hosted workspace's ARM id, the prefix of every workspace path. */
  workspace(): Promise<WorkspaceInfo> {
    this.#workspace ??= fetch('/info').then(async (r) => {
      if (!r.ok) throw await errorOf(r);
      return (await r.json()) as WorkspaceInfo;
    });
    return this.#workspace;
  }

  /** A path under the workspace: `ws('/batchEndpoints')`. */
  async ws(path: string): Promise<string> {
    return `${(await this.workspace()).workspaceId}${path}`;
  }

  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    // A scoring URI (the data plane) takes no api-version: Azure's clients and the CLI send none there.
    if (!path.includes('api-version=') && !DATA_PLANE_PATH.test(path)) params.set('api-version', API_VERSION);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    const search = params.toString();
    return search === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${search}`;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const audience = DATA_PLANE_PATH.test(path) ? DATA_PLANE : MANAGEMENT;
    const token = await this.session.token(audience);
    const headers: Record<string, string> = { ...options.headers, authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.url(path, options.query), {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, query === undefined ? {} : { query });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('POST', path, body === undefined ? {} : { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PATCH', path, { body });
  }

  delete(path: string): Promise<unknown> {
    return this.json('DELETE', path);
  }
}
