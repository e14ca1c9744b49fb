/**
 * Versioned assets (data, models, codes, environments), one set of routes for all four families, shaped
 * as ARM containers (`.../models/NAME`) and versions (`.../models/NAME/versions/V`).
 */
import type { FastifyInstance } from 'fastify';
import type { Json } from '../../core/wire-values.ts';
import { ASSET_KINDS, type AssetKind } from '../../core/workspace.ts';
import { armBody, WS, type ApiServices } from '../context.ts';
import { assetView, containerView, listView } from '../views.ts';

interface NameParams {
  name: string;
}
interface VersionParams extends NameParams {
  version: string;
}

function registerKind(app: FastifyInstance, s: ApiServices, kind: AssetKind): void {
  const tags = [kind];
  app.get(`${WS}/${kind}`, { schema: { tags } }, async () =>
    listView((await s.assets.containers(kind)).map((c) => containerView(s.workspace, kind, c))),
  );
  app.get<{ Params: NameParams }>(`${WS}/${kind}/:name`, { schema: { tags } }, async (req) =>
    containerView(s.workspace, kind, await s.assets.container(kind, req.params.name)),
  );
  app.get<{ Params: NameParams }>(`${WS}/${kind}/:name/versions`, { schema: { tags } }, async (req) => {
    await s.assets.container(kind, req.params.name);
    return listView(
      (await s.assets.versions(kind, req.params.name)).map((a) => assetView(s.workspace, kind, a)),
    );
  });
  app.get<{ Params: VersionParams }>(
    `${WS}/${kind}/:name/versions/:version`,
    { schema: { tags } },
    async (req) =>
      assetView(s.workspace, kind, await s.assets.get(kind, req.params.name, req.params.version)),
  );
  app.put<{ Params: VersionParams; Body: Json }>(
    `${WS}/${kind}/:name/versions/:version`,
    { schema: { tags, body: armBody } },
    async (req, reply) => {
      const { asset, created } = await s.assets.put(kind, req.params.name, req.params.version, req.body);
      return reply.status(created ? 201 : 200).send(assetView(s.workspace, kind, asset));
    },
  );
}

export function registerAssetRoutes(app: FastifyInstance, s: ApiServices): void {
  for (const kind of ASSET_KINDS) registerKind(app, s, kind);
}
