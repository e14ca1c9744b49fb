/**
 * The benchmark's REST client: registers the model, creates an endpoint per deployment shape, invokes a
 * job on a local folder (registered as a LocalFolder datastore, so nothing is copied) or between any
 * datastore URIs (Blob containers, say), and waits for it.
 */
import { audienceForPath } from '../src/auth/audiences.ts';
import { resolveTokenSource } from '../src/cli/credentials.ts';

export interface JobTiming {
  /** Invoke until the server was done with the job (its scratch parts removed, say). */
  totalMs: number;
  firstMiniBatchMs: number;
  /** Invoke until the job turned Completed (its recorded end time), as a caller polling it sees. */
  completedMs: number;
}

export interface BenchClient {
  deploy(
    endpoint: string,
    /** `miniBatchSize`: a count of files, or a size ("64MB") or row count that splits big tables. */
    settings: { maxConcurrencyPerInstance: number; miniBatchSize: number | string },
  ): Promise<void>;
  /**
   * An endpoint whose default deployment runs the scoring script `script` of the local folder
   * `codeFolder` (registered as a code asset over a LocalFolder datastore), beside the bench's model.
   */
  deployScript(
    endpoint: string,
    code: { folder: string; script: string },
    settings: { maxConcurrencyPerInstance: number; miniBatchSize: number },
  ): Promise<void>;
  runJob(endpoint: string, folder: string, file?: string): Promise<JobTiming>;
  /** Invokes a job on a folder already registered by `datastore()`; resolves with its name, at once. */
  invoke(endpoint: string, datastore: string): Promise<string>;
  /** Registers a local folder as a LocalFolder datastore; returns the datastore's name. */
  datastore(folder: string): Promise<string>;
  /** The job's status as the REST API shows it. */
  status(job: string): Promise<string>;
  /** The URL and authorization header of that status GET, for pollers that send it themselves. */
  statusRequest(job: string): Promise<{ url: string; authorization: string }>;
  /** Asks the server to cancel a job. */
  cancel(job: string): Promise<void>;
  /** Registers a datastore from its ARM `properties` (a Blob container, say). */
  putDatastore(name: string, properties: Record<string, unknown>): Promise<void>;
  /** The job's worker-seconds (what its attempts cost). */
  workerSeconds(job: string): Promise<number>;
  /** Creates an AmlCompute of at most `maxNodes` nodes. */
  putCompute(name: string, maxNodes: number): Promise<void>;
  /** Runs a job from any datastore URI to an output file URI and waits for it (must complete). */
  runJobBetween(endpoint: string, input: string, output: string): Promise<JobTiming & { name: string }>;
}

/**
 * `ended` resolves when the server has finished a job; the client waits on it instead of polling, so
 * the measurement adds no load of its own while the job runs.
 */
export async function createBenchClient(
  url: string,
  modelFolder: string,
  ended: (job: string) => Promise<void>,
  dataDir: string,
): Promise<BenchClient> {
  // The bench acts as the server's local owner, through the token endpoint like any client.
  const tokens = resolveTokenSource({ server: url, env: {}, dataDir });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const auth = tokens ? { authorization: `Bearer ${await tokens.token(audienceForPath(path))}` } : {};
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const ws = (await call<{ workspaceId: string }>('GET', '/info')).workspaceId;
  const models = modelFolder.slice(0, modelFolder.lastIndexOf('/'));
  await call('PUT', `${ws}/datastores/benchmodels`, {
    properties: { datastoreType: 'LocalFolder', path: models },
  });
  const entry = modelFolder.slice(modelFolder.lastIndexOf('/') + 1);
  await call('PUT', `${ws}/models/forest/versions/1`, {
    properties: { modelType: 'mlflow_model', modelUri: `azureml://datastores/benchmodels/paths/${entry}` },
  });
  let datastores = 0;
  const registerDatastore = async (folder: string): Promise<string> => {
    const ds = `benchdata${datastores++}`;
    await call('PUT', `${ws}/datastores/${ds}`, {
      properties: { datastoreType: 'LocalFolder', path: folder },
    });
    return ds;
  };
  const invokeUri = async (endpoint: string, uri: string, file: boolean, output?: string) => {
    const job = await call<{ name: string }>('POST', `/endpoints/${endpoint}/jobs`, {
      properties: {
        InputData: { data: { JobInputType: file ? 'UriFile' : 'UriFolder', Uri: uri } },
        ...(output ? { OutputData: { score: { JobOutputType: 'UriFile', Uri: output } } } : {}),
      },
    });
    return job.name;
  };
  const invokeOn = (endpoint: string, ds: string, file?: string): Promise<string> =>
    invokeUri(endpoint, `azureml://datastores/${ds}/paths/${file ?? ''}`, file !== undefined);
  /** The ended job must have completed; resolves with when it first ran and ended (ms after `invokedAt`). */
  const completed = async (endpoint: string, name: string, invokedAt: number) => {
    const current = await call<{
      properties: { status: string; startTime: string | null; endTime: string | null; result: string | null };
    }>('GET', `/endpoints/${endpoint}/jobs/${name}`);
    const { status, startTime, endTime, result } = current.properties;
    if (status !== 'Completed') throw new Error(`bench job ${status}: ${result ?? ''}`);
    const after = (at: string | null) => (at ? Date.parse(at) - invokedAt : NaN);
    return { firstMiniBatchMs: after(startTime), completedMs: after(endTime) };
  };
  const deployWith = async (endpoint: string, properties: Record<string, unknown>) => {
    await call('PUT', `${ws}/batchEndpoints/${endpoint}`, { properties: {} });
    await call('PUT', `${ws}/batchEndpoints/${endpoint}/deployments/main`, {
      properties: {
        model: { assetId: 'azureml:forest:1' },
        ...properties,
        retrySettings: { maxRetries: 0, timeout: 'PT600S' },
      },
    });
    await call('PATCH', `${ws}/batchEndpoints/${endpoint}`, {
      properties: { defaults: { deploymentName: 'main' } },
    });
  };
  return {
    deploy: deployWith,
    async deployScript(endpoint, code, settings) {
      // A code asset names a folder inside a datastore, never the root: the datastore is its parent.
      const cut = code.folder.lastIndexOf('/');
      const ds = await registerDatastore(code.folder.slice(0, cut));
      await call('PUT', `${ws}/codes/${endpoint}/versions/1`, {
        properties: { codeUri: `azureml://datastores/${ds}/paths/${code.folder.slice(cut + 1)}` },
      });
      await deployWith(endpoint, {
        ...settings,
        codeConfiguration: { codeId: `azureml:${endpoint}:1`, scoringScript: code.script },
      });
    },
    async runJob(endpoint, folder, file) {
      const ds = await registerDatastore(folder);
      const started = performance.now();
      const invokedAt = Date.now();
      const name = await invokeOn(endpoint, ds, file);
      await ended(name);
      const totalMs = performance.now() - started;
      return { totalMs, ...(await completed(endpoint, name, invokedAt)) };
    },
    async putDatastore(name, properties) {
      await call('PUT', `${ws}/datastores/${name}`, { properties });
    },
    async workerSeconds(job) {
      const view = await call<{ properties: { workerSeconds?: number } }>('GET', `${ws}/jobs/${job}`);
      return view.properties.workerSeconds ?? 0;
    },
    async putCompute(name, maxNodes) {
      await call('PUT', `${ws}/computes/${name}`, {
        properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: maxNodes } } },
      });
    },
    async runJobBetween(endpoint, input, output) {
      const started = performance.now();
      const invokedAt = Date.now();
      const name = await invokeUri(endpoint, input, false, output);
      await ended(name);
      const totalMs = performance.now() - started;
      return { name, totalMs, ...(await completed(endpoint, name, invokedAt)) };
    },
    invoke: (endpoint, datastore) => invokeOn(endpoint, datastore),
    datastore: registerDatastore,
    async status(job) {
      return (await call<{ properties: { status: string } }>('GET', `${ws}/jobs/${job}`)).properties.status;
    },
    async statusRequest(job) {
      const path = `${ws}/jobs/${job}`;
      const authorization = tokens ? `Bearer ${await tokens.token(audienceForPath(path))}` : '';
      return { url: `${url}${path}`, authorization };
    },
    async cancel(job) {
      await call('POST', `${ws}/jobs/${job}/cancel`);
    },
  };
}
