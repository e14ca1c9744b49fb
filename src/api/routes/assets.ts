/**
 * Versioned assets (data, models, codes, environments), one set of routes for all four families, shaped
 * as ARM containers (`.../models/NAME`) and versions (`.../models/NAME/versions/V`).
 */
import { Type } from '@sinclair/typebox';
import { assetActions } from '../../auth/rbac/actions.ts';
import { ASSET_KINDS, type AssetKind } from '../../core/workspace.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { ArmBody, ArmError, armList, armResource, WsParams, wsParams } from '../schemas.ts';
import { assetView, containerView, listView } from '../views.ts';

const Container = armResource('An asset container: its latest and next version.', {
  latestVersion: Type.String(),
  nextVersion: Type.String(),
  isArchived: Type.Boolean(),
});
const Version = armResource(
  "An asset version: description, tags and the kind's own properties (dataUri, modelUri, codeUri, image...).",
);
const NameParams = wsParams({ name: Type.String() });
const VersionParams = wsParams({ name: Type.String(), version: Type.String() });

function kindRoutes(s: ApiServices, kind: AssetKind): RouteSpec[] {
  const tags = [kind];
  const actions = assetActions(kind);
  const root = `${WS}/${kind}`;
  return [
    defineRoute({
      method: 'GET',
      url: root,
      summary: `List ${kind} containers`,
      tags,
      access: { action: actions.read, scope: 'workspace' },
      params: WsParams,
      responses: { 200: armList(Container) },
      handler: async () =>
        listView((await s.assets.containers(kind)).map((c) => containerView(s.workspace, kind, c))),
    }),
    defineRoute({
      method: 'GET',
      url: `${root}/:name`,
      summary: `Show a ${kind} container`,
      tags,
      access: { action: actions.read, scope: 'workspace' },
      params: NameParams,
      responses: { 200: Container },
      handler: async (req) =>
        containerView(s.workspace, kind, await s.assets.container(kind, req.params.name)),
    }),
    defineRoute({
      method: 'GET',
      url: `${root}/:name/versions`,
      summary: `List the versions of a ${kind} container`,
      tags,
      access: { action: actions.versionRead, scope: 'workspace' },
      params: NameParams,
      responses: { 200: armList(Version) },
      handler: async (req) => {
        await s.assets.container(kind, req.params.name);
        return listView(
          (await s.assets.versions(kind, req.params.name)).map((a) => assetView(s.workspace, kind, a)),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${root}/:name/versions/:version`,
      summary: `Show a ${kind} version`,
      tags,
      access: { action: actions.versionRead, scope: 'workspace' },
      params: VersionParams,
      responses: { 200: Version },
      handler: async (req) =>
        assetView(s.workspace, kind, await s.assets.get(kind, req.params.name, req.params.version)),
    }),
    defineRoute({
      method: 'PUT',
      url: `${root}/:name/versions/:version`,
      summary: `Register a ${kind} version (versions are immutable)`,
      tags,
      access: { action: actions.versionWrite, scope: 'workspace' },
      params: VersionParams,
      body: ArmBody,
      responses: { 200: Version, 201: Version, 409: ArmError },
      handler: async (req, reply) => {
        const { asset, created } = await s.assets.put(kind, req.params.name, req.params.version, req.body);
        return reply.status(created ? 201 : 200).send(assetView(s.workspace, kind, asset));
      },
    }),
  ];
}

export function assetRoutes(s: ApiServices): RouteSpec[] {
  return ASSET_KINDS.flatMap((kind) => kindRoutes(s, kind));
}
