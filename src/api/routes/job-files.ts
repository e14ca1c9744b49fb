/**
 * What a job leaves behind, read through the job rather than its datastore: the log tree (a job read)
 * and its output (the job-output data action, at the job's endpoint scope, own jobs only for invokers).
 * A batch job has one output, `score`: its folder holds the output file and `manifest.json`, which are
 * all this serves, so the job route never becomes a way into the rest of the datastore.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS, DATA_ACTIONS } from '../../auth/rbac/actions.ts';
import { NotFoundError } from '../../core/errors.ts';
import { isTerminal, type JobRecord } from '../../core/jobs.ts';
import { pathInFolder } from '../../core/references.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import { readText } from '../../storage/read-text.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type ProtectedAccess, type RouteSpec } from '../route-table.ts';
import { FileEntry, valueList, wsParams } from '../schemas.ts';

const tags = ['jobs'];
const OUTPUT = 'score';
const MANIFEST = 'manifest.json';

const readJob: ProtectedAccess = { action: ACTIONS.jobRead, scope: 'job', ownJobs: true };
const readOutputs: ProtectedAccess = {
  action: DATA_ACTIONS.jobOutputRead,
  kind: 'dataAction',
  scope: 'job',
  ownJobs: true,
};

function fullPath(job: JobRecord, name: string): string {
  return pathInFolder(job.output.folder, name);
}

/** The most of a manifest read to check whose it is; a bigger one is not served (fail closed). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** The manifest in the output folder, when it is this job's own (another job may share the folder). */
async function ownManifest(backend: DatastoreBackend, job: JobRecord): Promise<OwnManifest | undefined> {
  const text = await readText(backend, fullPath(job, MANIFEST), MAX_MANIFEST_BYTES).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<OwnManifest>;
    if (parsed.job !== job.name || parsed.output?.uri !== job.output.uri) return undefined;
    return parsed as OwnManifest;
  } catch {
    return undefined;
  }
}

interface OwnManifest {
  job: string;
  output: { uri: string; written: boolean; bytes: number };
}

/**
 * The output's files, relative to the output folder: only once the job has ended (the engine writes
 * them at the end, so anything there before is not the job's), only when the folder's manifest.json is
 * this job's, and the output file only when the manifest says the job wrote it, at the size it wrote.
 * The invoker picks the output folder, so without this a job could point at a folder where another job's
 * output or someone's files lie and read them through its own outputs route.
 */
async function outputFiles(s: ApiServices, job: JobRecord, output: string) {
  if (output.toLowerCase() !== OUTPUT) {
    throw new NotFoundError(
      `Job '${job.name}' has one output, '${OUTPUT}'; '${output}' is not one of its outputs.`,
    );
  }
  const backend = await s.datastores.backend(job.output.datastore);
  const files: { path: string; size: number }[] = [];
  const manifest = isTerminal(job.status) ? await ownManifest(backend, job) : undefined;
  if (!manifest) return { backend, files };
  const info = await backend.stat(fullPath(job, job.output.fileName));
  if (manifest.output.written && info?.kind === 'file' && info.size === manifest.output.bytes)
    files.push({ path: job.output.fileName, size: info.size });
  const manifestInfo = await backend.stat(fullPath(job, MANIFEST));
  if (manifestInfo?.kind === 'file') files.push({ path: MANIFEST, size: manifestInfo.size });
  return { backend, files };
}

export function jobFileRoutes(s: ApiServices): RouteSpec[] {
  const JobParams = wsParams({ job: Type.String() });
  const OutputParams = wsParams({ job: Type.String(), output: Type.String() });
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/logs`,
      summary: "List the files of a job's log tree",
      tags,
      access: readJob,
      params: JobParams,
      responses: { 200: valueList(FileEntry) },
      handler: async (req) => {
        await s.jobs.get(req.params.job);
        return { value: await s.jobLogs.list(req.params.job) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/logs/*`,
      summary: 'Read one log file',
      tags,
      access: readJob,
      params: wsParams({ job: Type.String(), '*': Type.String() }),
      responses: {
        200: {
          description: 'The log file.',
          content: { 'text/plain': { schema: Type.String() } },
        },
      },
      handler: async (req, reply) => {
        await s.jobs.get(req.params.job);
        return reply
          .type('text/plain; charset=utf-8')
          .send(await s.jobLogs.read(req.params.job, req.params['*']));
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/outputs/:output`,
      summary: "List the files of a job's output (the output file and manifest.json)",
      tags,
      access: readOutputs,
      params: OutputParams,
      responses: { 200: valueList(FileEntry) },
      handler: async (req) => {
        const job = await s.jobs.get(req.params.job);
        return { value: (await outputFiles(s, job, req.params.output)).files };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/jobs/:job/outputs/:output/paths/*`,
      summary: "Download a file of a job's output",
      tags,
      access: readOutputs,
      params: wsParams({ job: Type.String(), output: Type.String(), '*': Type.String() }),
      responses: {
        200: {
          description: 'The file.',
          content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
        },
      },
      handler: async (req, reply) => {
        const job = await s.jobs.get(req.params.job);
        const { backend, files } = await outputFiles(s, job, req.params.output);
        const name = req.params['*'].replace(/^\/+/, '');
        const file = files.find((f) => f.path === name);
        if (!file) {
          const names = files.map((f) => `'${f.path}'`).join(', ') || 'none yet';
          throw new NotFoundError(
            `'${name}' is not a file of job '${job.name}''s output; its files: ${names}.`,
          );
        }
        return reply
          .type('application/octet-stream')
          .header('content-length', file.size)
          .send(backend.openRead(fullPath(job, name)));
      },
    }),
  ];
}
