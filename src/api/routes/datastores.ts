/**
 * Datastores and the files inside them. Uploading (PUT .../datastores/NAME/paths/PATH with a raw body) is
 * how the CLI moves local models, code and inputs to the server, as `az` uploads to the workspace's blob
 * store; GET on a path downloads a file or lists a folder. File contents are data actions (a Reader sees
 * that a datastore exists, not what it holds), and a datastore over a host folder needs the host-path
 * right, which only Owner has.
 */
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { ACTIONS, DATA_ACTIONS } from '../../auth/rbac/actions.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import { prop } from '../../core/wire-values.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type BodyRule, type RouteSpec } from '../route-table.ts';
import { ArmBody, ArmError, armList, armResource, download, WsParams, wsParams } from '../schemas.ts';
import { datastoreView, listView } from '../views.ts';

const Datastore = armResource(
  'A datastore: its type, where its files are (a folder, a Blob container, an ADLS Gen2 file system or ' +
    'an S3 bucket), description and tags.',
  {
    datastoreType: Type.String(),
    path: Type.Optional(Type.String({ description: 'A LocalFolder: the folder on the server.' })),
    accountName: Type.Optional(Type.String({ description: 'AzureBlob, AzureDataLakeGen2: the account.' })),
    containerName: Type.Optional(Type.String({ description: 'AzureBlob: the container.' })),
    filesystem: Type.Optional(Type.String({ description: 'AzureDataLakeGen2: the file system.' })),
    bucket: Type.Optional(Type.String({ description: 'S3: the bucket.' })),
    region: Type.Optional(Type.String({ description: 'S3: the bucket region.' })),
    endpoint: Type.Optional(
      Type.String({ description: 'Azure: DNS suffix or account URL; S3: an S3-compatible server URL.' }),
    ),
    protocol: Type.Optional(Type.String()),
    credentials: Type.Optional(
      Type.Object(
        { credentialsType: Type.String() },
        { description: 'The type of credentials only; secrets are never returned.' },
      ),
    ),
    isDefault: Type.Boolean(),
  },
);

const Secrets = Type.Object(
  {
    secretsType: Type.String(),
    key: Type.Optional(Type.String()),
    sasToken: Type.Optional(Type.String()),
    clientSecret: Type.Optional(Type.String()),
    secretAccessKey: Type.Optional(Type.String()),
  },
  { description: "The datastore's secret, in Azure's DatastoreSecrets shape for its credentials type." },
);

const Uploaded = Type.Object(
  { datastore: Type.String(), path: Type.String(), size: Type.Number(), uri: Type.String() },
  { additionalProperties: true },
);

/** Datastore types that are not a folder of this host; anything else (or nothing) is a host folder. */
const REMOTE_TYPES = ['azureblob', 'azuredatalakegen1', 'azuredatalakegen2', 'azurefile', 's3'];

/** Creating or changing a datastore over a host folder is a host privilege (PLAN contract 6). */
const hostFolderRule: BodyRule = {
  action: ACTIONS.datastoreHostPathWrite,
  when: 'the datastore is a LocalFolder (the default type)',
  applies(body) {
    // Read as leniently as the datastore service reads it, and fail closed: only a named remote type is
    // not a host folder.
    const type = prop(prop(body, 'properties'), 'datastoreType');
    return !(typeof type === 'string' && REMOTE_TYPES.includes(type.trim().toLowerCase()));
  },
};

const tags = ['datastores'];
const NameParams = wsParams({ name: Type.String() });
const PathParams = wsParams({ name: Type.String(), '*': Type.String() });

export function datastoreRoutes(s: ApiServices): RouteSpec[] {
  const read = { action: ACTIONS.datastoreRead, scope: 'workspace' } as const;
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/datastores`,
      summary: 'List datastores',
      tags,
      access: read,
      params: WsParams,
      responses: { 200: armList(Datastore) },
      handler: async () => listView((await s.datastores.list()).map((d) => datastoreView(s.workspace, d))),
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/datastores/:name`,
      summary: 'Show a datastore',
      tags,
      access: read,
      params: NameParams,
      responses: { 200: Datastore },
      handler: async (req) => datastoreView(s.workspace, await s.datastores.get(req.params.name)),
    }),
    defineRoute({
      method: 'PUT',
      url: `${WS}/datastores/:name`,
      summary: 'Create or update a datastore',
      tags,
      access: { action: ACTIONS.datastoreWrite, scope: 'workspace', body: hostFolderRule },
      params: NameParams,
      body: ArmBody,
      responses: { 200: Datastore, 201: Datastore, 409: ArmError },
      handler: async (req, reply) => {
        const { datastore, created } = await s.datastores.put(req.params.name, req.body);
        return reply.status(created ? 201 : 200).send(datastoreView(s.workspace, datastore));
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${WS}/datastores/:name/listSecrets`,
      summary: "List a datastore's secrets (Azure's listSecrets; audited, never logged)",
      tags,
      access: { action: ACTIONS.datastoreListSecrets, scope: 'workspace' },
      params: NameParams,
      responses: { 200: Secrets },
      handler: async (req) => s.datastores.listSecrets(req.params.name),
    }),
    defineRoute({
      method: 'PUT',
      url: `${WS}/datastores/:name/paths/*`,
      summary: 'Upload a file (the raw bytes, as application/octet-stream)',
      tags,
      access: { action: DATA_ACTIONS.datastorePathWrite, kind: 'dataAction', scope: 'datastore' },
      params: PathParams,
      bodyKind: 'stream',
      responses: { 201: Uploaded },
      handler: async (req, reply) => {
        const name = req.params.name;
        if (s.datastores.isReadOnly(name)) {
          throw new ValidationError(
            `Datastore '${name}' holds registered snapshots and is read-only.`,
            'name',
          );
        }
        const path = normaliseDatastorePath(req.params['*'], 'path');
        if (!path) throw new ValidationError(`Give a file path after /paths/.`, 'path');
        const backend = await s.datastores.backend(name);
        const existing = await backend.stat(path);
        if (existing?.kind === 'folder')
          throw new ValidationError(`'${path}' is a folder; upload to a file path inside it.`, 'path');
        const { size } = await backend.write(path, req.body as Readable);
        return reply.status(201).send({
          datastore: name,
          path,
          size,
          uri: `azureml://datastores/${name}/paths/${path}`,
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/datastores/:name/paths/*`,
      summary: 'Download a file, or list the files under a folder',
      tags,
      access: { action: DATA_ACTIONS.datastorePathRead, kind: 'dataAction', scope: 'datastore' },
      params: PathParams,
      responses: { 200: download('The file, or the listing of a folder.') },
      handler: async (req, reply) => {
        const path = normaliseDatastorePath(req.params['*'], 'path');
        const backend = await s.datastores.backend(req.params.name);
        const info = await backend.stat(path);
        if (!info) throw new NotFoundError(`'${path}' does not exist in datastore '${req.params.name}'.`);
        if (info.kind === 'folder') return { value: await backend.list(path, { recursive: true }) };
        return reply
          .type('application/octet-stream')
          .header('content-length', info.size)
          .send(backend.openRead(path));
      },
    }),
  ];
}
