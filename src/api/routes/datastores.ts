/**
 * Datastores and the files inside them. Uploading (PUT .../datastores/NAME/paths/PATH with a raw body) is
 * how the CLI moves local models, code and inputs to the server, as `az` uploads to the workspace's blob
 * store; GET on a path downloads a file or lists a folder.
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import type { Json } from '../../core/wire-values.ts';
import { armBody, WS, type ApiServices } from '../context.ts';
import { datastoreView, listView } from '../views.ts';

interface NameParams {
  name: string;
}
interface PathParams extends NameParams {
  '*': string;
}

export function registerDatastoreRoutes(app: FastifyInstance, s: ApiServices): void {
  const tags = ['datastores'];
  app.get(`${WS}/datastores`, { schema: { tags } }, async () =>
    listView((await s.datastores.list()).map((d) => datastoreView(s.workspace, d))),
  );
  app.get<{ Params: NameParams }>(`${WS}/datastores/:name`, { schema: { tags } }, async (req) =>
    datastoreView(s.workspace, await s.datastores.get(req.params.name)),
  );
  app.put<{ Params: NameParams; Body: Json }>(
    `${WS}/datastores/:name`,
    { schema: { tags, body: armBody } },
    async (req, reply) => {
      const { datastore, created } = await s.datastores.put(req.params.name, req.body);
      return reply.status(created ? 201 : 200).send(datastoreView(s.workspace, datastore));
    },
  );

  app.put<{ Params: PathParams; Body: Readable }>(
    `${WS}/datastores/:name/paths/*`,
    { schema: { tags } },
    async (req, reply) => {
      if (s.datastores.isReadOnly(req.params.name)) {
        throw new ValidationError(
          `Datastore '${req.params.name}' holds registered snapshots and is read-only.`,
          'name',
        );
      }
      const path = normaliseDatastorePath(req.params['*'], 'path');
      if (!path) throw new ValidationError(`Give a file path after /paths/.`, 'path');
      const backend = await s.datastores.backend(req.params.name);
      const existing = await backend.stat(path);
      if (existing?.kind === 'folder')
        throw new ValidationError(`'${path}' is a folder; upload to a file path inside it.`, 'path');
      const { size } = await backend.write(path, req.body);
      return reply.status(201).send({
        datastore: req.params.name,
        path,
        size,
        uri: `azureml://datastores/${req.params.name}/paths/${path}`,
      });
    },
  );

  app.get<{ Params: PathParams }>(
    `${WS}/datastores/:name/paths/*`,
    { schema: { tags } },
    async (req, reply) => {
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
  );
}
