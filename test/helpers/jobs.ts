/**
 * REST helpers for the batch job integration tests: they drive a running Nightshift server only
 * through its HTTP API, the way an Azure ML client would. Upload files and folders to
 * workspaceblobstore, register code and models, create an endpoint and a deployment (and make it the
 * default), invoke the scoring URI, poll a job until it ends (bounded), and read its output file,
 * manifest.json and logs back over the datastore and job routes.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobCounts } from '../../src/core/jobs.ts';
import type { TokenSource } from '../../src/cli/credentials.ts';
import { authHeader, ownerTokens } from './auth.ts';
import { waitFor } from './wait.ts';
import { REPO_ROOT } from './repo.ts';

const SCRIPTS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'scripts');
export const FIXTURES_DIR = join(REPO_ROOT, 'fixtures');
export const TERMINAL = ['Completed', 'Failed', 'Canceled'];
const DATASTORE = 'workspaceblobstore';

export interface ErrorBody {
  error: { code: string; message: string; details: { code: string; message: string; target?: string }[] };
}

export interface JobError {
  code: string;
  message: string;
  miniBatch?: number;
  file?: string;
  attempt?: number;
  worker?: string;
  stack?: string;
}

/** The progress counts of a job resource, as the server defines them. */
export type Counts = JobCounts;

export interface JobView {
  id: string;
  name: string;
  type: string;
  properties: {
    name: string;
    status: string;
    provisioningState: string;
    compute: { isLocal: boolean; instanceCount: number };
    interactionEndpoints: Record<string, { endpoint: string; jobEndpointType: string }>;
    inputData: Record<string, unknown>;
    outputData: { score: { jobOutputType: string; mode: string; uri: string } };
    outputFileName: string;
    miniBatchSize: number;
    errorThreshold: number;
    retrySettings: { maxRetries: number; timeout: string };
    properties: Record<string, string>;
    tags: Record<string, string>;
    progress: Counts;
    error: JobError | null;
    result: string | null;
  };
  systemData: { createdAt: string; createdBy: string; createdByType: string; lastModifiedAt: string };
}

export interface ListBody<T> {
  value: T[];
  nextLink: string | null;
}

export interface Manifest {
  job: string;
  status: string;
  model: { name: string; version: string; contentHash: string };
  input: {
    uri: string;
    type: string;
    asset: string | null;
    files: { path: string; size: number; sha256: string }[];
  };
  output: { uri: string; written: boolean; bytes: number; format: string };
  counts: Counts;
}

export interface RequestOptions {
  json?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface Reply<T> {
  status: number;
  body: T;
  text: string;
}

/** A script to deploy: a fixture in test/fixtures/scripts, or inline source (file name + text). */
export type ScriptSource = string | { file: string; source: string };

export interface DeploymentSettings {
  miniBatchSize?: number | string;
  maxConcurrencyPerInstance?: number;
  instanceCount?: number;
  maxRetries?: number;
  timeout?: string;
  errorThreshold?: number;
  outputAction?: string;
  outputFileName?: string;
  environmentVariables?: Record<string, string>;
  /** The compute's name (default local). */
  compute?: string;
}

let counter = 0;
/** A unique, valid endpoint/deployment/asset name (letter first, 3–32 chars). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid % 10000}-${counter}`.slice(0, 32);
}

export function datastoreUri(path: string, datastore = DATASTORE): string {
  return `azureml://datastores/${datastore}/paths/${path}`;
}

/** The body Azure's docs send: one UriFolder input under properties.InputData, PascalCase. */
export function folderBody(path: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    properties: {
      InputData: { heart_data: { JobInputType: 'UriFolder', Uri: datastoreUri(path) } },
      ...extra,
    },
  };
}

export class Nightshift {
  readonly url: string;
  /** The workspace's ARM id, the prefix of every management route. */
  readonly ws: string;

  readonly #tokens: TokenSource | undefined;

  private constructor(url: string, ws: string, tokens: TokenSource | undefined) {
    this.url = url;
    this.ws = ws;
    this.#tokens = tokens;
  }

  /** A client acting as the server's local owner, or with the given token source. */
  static async connect(url: string, tokens: TokenSource | undefined = ownerTokens(url)): Promise<Nightshift> {
    const response = await fetch(`${url}/info`);
    assert.equal(response.status, 200);
    const info = (await response.json()) as { workspaceId: string };
    return new Nightshift(url, info.workspaceId, tokens);
  }

  /** The same server, acting with other credentials (or none). */
  as(tokens: TokenSource | undefined): Nightshift {
    return new Nightshift(this.url, this.ws, tokens);
  }

  /** One request; `path` is absolute (http...) or a server path. JSON bodies are parsed when present. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = {
      ...(await authHeader(this.#tokens, path)),
      ...options.headers,
    };
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = options.raw;
    }
    const target = /^https?:/.test(path) ? path : `${this.url}${path}`;
    const response = await fetch(target, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown = undefined;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, text };
  }

  /** Like request, but fails the test unless the status is 2xx. */
  async ok<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const reply = await this.request<T>(method, path, options);
    assert.ok(
      reply.status >= 200 && reply.status < 300,
      `${method} ${path} -> ${reply.status}: ${reply.text}`,
    );
    return reply.body;
  }

  async upload(path: string, content: string | Buffer): Promise<string> {
    await this.ok('PUT', `${this.ws}/datastores/${DATASTORE}/paths/${path}`, { raw: content });
    return datastoreUri(path);
  }

  /** Uploads `files` (name → content) under `folder`; returns the folder's datastore URI. */
  async uploadFiles(folder: string, files: Record<string, string | Buffer>): Promise<string> {
    for (const [name, content] of Object.entries(files)) await this.upload(`${folder}/${name}`, content);
    return datastoreUri(folder);
  }

  /** Uploads the files of a local folder (top level only) under `folder`. */
  async uploadFolder(localDir: string, folder: string): Promise<string> {
    const files: Record<string, Buffer> = {};
    for (const entry of await readdir(localDir, { withFileTypes: true })) {
      if (entry.isFile()) files[entry.name] = await readFile(join(localDir, entry.name));
    }
    return this.uploadFiles(folder, files);
  }

  /** Registers a code folder holding one scoring script; returns `[codeId, scoringScript]`. */
  async registerScript(script: ScriptSource): Promise<[string, string]> {
    const { file, source } =
      typeof script === 'string'
        ? { file: script, source: await readFile(join(SCRIPTS_DIR, script), 'utf8') }
        : script;
    const name = uniqueName('code');
    const codeUri = await this.uploadFiles(`code/${name}`, { [file]: source });
    await this.ok('PUT', `${this.ws}/codes/${name}/versions/1`, { json: { properties: { codeUri } } });
    return [`azureml:${name}:1`, file];
  }

  /** Registers a model from uploaded files (or a placeholder file for script deployments). */
  async registerModel(
    options: { localDir?: string; localFile?: string; modelType?: string } = {},
  ): Promise<string> {
    const name = uniqueName('model');
    let modelUri: string;
    if (options.localDir) modelUri = await this.uploadFolder(options.localDir, `models/${name}/model`);
    else if (options.localFile)
      modelUri = await this.upload(`models/${name}/model.onnx`, await readFile(options.localFile));
    else modelUri = await this.upload(`models/${name}/model.txt`, 'placeholder model\n');
    await this.ok('PUT', `${this.ws}/models/${name}/versions/1`, {
      json: { properties: { modelUri, modelType: options.modelType ?? 'custom_model' } },
    });
    return `azureml:${name}:1`;
  }

  /** Creates an endpoint; returns its scoring URI. */
  async createEndpoint(name: string): Promise<string> {
    const view = await this.ok<{ properties: { scoringUri: string } }>(
      'PUT',
      `${this.ws}/batchEndpoints/${name}`,
      {
        json: { properties: { authMode: 'AADToken' } },
      },
    );
    return view.properties.scoringUri;
  }

  async setDefault(endpoint: string, deployment: string): Promise<void> {
    await this.ok('PATCH', `${this.ws}/batchEndpoints/${endpoint}`, {
      json: { properties: { defaults: { deploymentName: deployment } } },
    });
  }

  async createDeployment(
    endpoint: string,
    name: string,
    model: string,
    code: [string, string] | undefined,
    s: DeploymentSettings = {},
  ): Promise<void> {
    const properties: Record<string, unknown> = {
      model: { referenceType: 'Id', assetId: model },
      ...(code ? { codeConfiguration: { codeId: code[0], scoringScript: code[1] } } : {}),
      compute: `azureml:${s.compute ?? 'local'}`,
      resources: { instanceCount: s.instanceCount ?? 1 },
      miniBatchSize: s.miniBatchSize ?? 1,
      maxConcurrencyPerInstance: s.maxConcurrencyPerInstance ?? 1,
      retrySettings: { maxRetries: s.maxRetries ?? 0, timeout: s.timeout ?? 'PT10S' },
      errorThreshold: s.errorThreshold ?? -1,
      outputAction: s.outputAction ?? 'AppendRow',
      ...(s.outputFileName ? { outputFileName: s.outputFileName } : {}),
      ...(s.environmentVariables ? { environmentVariables: s.environmentVariables } : {}),
    };
    await this.ok('PUT', `${this.ws}/batchEndpoints/${endpoint}/deployments/${name}`, {
      json: { properties },
    });
  }

  /**
   * A new endpoint with one deployment running `script` (or, with `model` and no script, a no-code
   * model), made the default unless `setDefault` is false.
   */
  async deploy(
    options: {
      script?: ScriptSource;
      model?: string;
      settings?: DeploymentSettings;
      setDefault?: boolean;
    } = {},
  ): Promise<{ endpoint: string; deployment: string; scoringUri: string }> {
    const endpoint = uniqueName('ep');
    const deployment = uniqueName('dep');
    const scoringUri = await this.createEndpoint(endpoint);
    const model = options.model ?? (await this.registerModel());
    const code = options.script !== undefined ? await this.registerScript(options.script) : undefined;
    await this.createDeployment(endpoint, deployment, model, code, options.settings);
    if (options.setDefault !== false) await this.setDefault(endpoint, deployment);
    return { endpoint, deployment, scoringUri };
  }

  invoke(scoringUri: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<JobView>> {
    return this.request<JobView>('POST', scoringUri, { json: body, headers });
  }

  /** Invokes and fails the test unless the job was accepted. */
  async start(scoringUri: string, body: unknown, headers: Record<string, string> = {}): Promise<JobView> {
    const reply = await this.invoke(scoringUri, body, headers);
    assert.ok(reply.status === 200 || reply.status === 201, `invoke -> ${reply.status}: ${reply.text}`);
    return reply.body;
  }

  job(name: string): Promise<JobView> {
    return this.ok<JobView>('GET', `${this.ws}/jobs/${name}`);
  }

  /** Polls the job until it is Completed, Failed or Canceled; fails the test after `timeoutMs`. */
  waitForJob(name: string, timeoutMs = 30_000): Promise<JobView> {
    return this.waitUntil(name, (job) => TERMINAL.includes(job.properties.status), timeoutMs);
  }

  /** Polls until `check` holds for the job; fails the test after `timeoutMs` with the last status seen. */
  waitUntil(name: string, check: (job: JobView) => boolean, timeoutMs = 20_000): Promise<JobView> {
    return waitFor(`job ${name} to be as expected`, () => this.job(name), {
      until: check,
      timeoutMs,
      show: (job) => `${job.properties.status} ${JSON.stringify(job.properties.result ?? '')}`,
    });
  }

  /** Invoke, then wait for the end. */
  async run(
    scoringUri: string,
    body: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<JobView> {
    const job = await this.start(scoringUri, body, headers);
    return this.waitForJob(job.name, timeoutMs);
  }

  /** GET a file by datastore URI (`azureml://datastores/DS/paths/P`); undefined when it does not exist. */
  async readFile(uri: string): Promise<string | undefined> {
    const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
    assert.ok(match, `not a datastore URI: ${uri}`);
    const reply = await this.request(
      'GET',
      `${this.ws}/datastores/${match[1] ?? ''}/paths/${match[2] ?? ''}`,
    );
    if (reply.status === 404) return undefined;
    assert.equal(reply.status, 200, reply.text);
    return reply.text;
  }

  /** The job's output file as lines (no trailing empty line); [] when no file was written. */
  async outputLines(job: JobView): Promise<string[]> {
    const text = await this.readFile(job.properties.outputData.score.uri);
    if (text === undefined || text === '') return [];
    return text.replace(/\n$/, '').split('\n');
  }

  async manifest(job: JobView): Promise<Manifest> {
    const uri = job.properties.outputData.score.uri.replace(/[^/]+$/, 'manifest.json');
    const text = await this.readFile(uri);
    assert.ok(text !== undefined, `no manifest.json beside ${job.properties.outputData.score.uri}`);
    return JSON.parse(text) as Manifest;
  }

  async jobCount(): Promise<number> {
    return (await this.ok<ListBody<JobView>>('GET', `${this.ws}/jobs`)).value.length;
  }

  async logs(name: string): Promise<string[]> {
    const body = await this.ok<{ value: { path: string; size: number }[] }>(
      'GET',
      `${this.ws}/jobs/${name}/logs`,
    );
    return body.value.map((f) => f.path);
  }

  async log(name: string, path: string): Promise<string> {
    const reply = await this.request('GET', `${this.ws}/jobs/${name}/logs/${path}`);
    assert.equal(reply.status, 200, reply.text);
    return reply.text;
  }

  /** The text of every log under `prefix`, concatenated. */
  async logsUnder(name: string, prefix: string): Promise<string> {
    const texts: string[] = [];
    for (const path of await this.logs(name))
      if (path.startsWith(prefix)) texts.push(await this.log(name, path));
    return texts.join('');
  }
}

/** `n` small input files `f000.txt` … with distinct contents. */
export function smallFiles(n: number, prefix = 'f'): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`${prefix}${String(i).padStart(3, '0')}.txt`] = `content of file ${i}\n`;
  return files;
}
