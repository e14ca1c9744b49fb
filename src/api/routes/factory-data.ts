/**
 * Linked services and datasets over Data Factory's REST paths of the workspace's factory
 * (`.../factories/{f}/linkedservices/{name}`, `.../datasets/{name}`: PUT, GET, DELETE and list), each
 * checked at the workspace's scope with Data Factory's own actions. Linked services come back with their
 * secrets masked; nothing on these routes ever returns one.
 */
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import type { WorkspaceRef } from '../../core/workspace.ts';
import type { FactoryDataService, StoredFactoryResource } from '../../pipelines/data/factory-data-service.ts';
import { prop } from '../../core/wire-values.ts';
import { defineRoute, type BodyRule, type RouteSpec } from '../route-table.ts';
import { factoryParams, NoContent, open, valueList } from '../schemas.ts';

const FACTORY =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.DataFactory/factories/:factoryName';

export interface FactoryDataRouteServices {
  workspace: WorkspaceRef;
  factoryData: FactoryDataService;
}

const tags = ['pipelines'];
const at = (action: string) => ({ action, scope: 'workspace' }) as const;
const NameParams = factoryParams({ name: Type.String() });

/**
 * A linked service over a workspace datastore lets every pipeline author read and write that datastore
 * through Copy, so creating one needs the right to manage datastores too, not only linked services.
 */
const workspaceDatastoreRule: BodyRule = {
  action: ACTIONS.datastoreWrite,
  when: 'the linked service is a NightshiftDatastore (a workspace datastore)',
  applies(body) {
    const type = prop(prop(body, 'properties'), 'type');
    return typeof type === 'string' && type.trim().toLowerCase() === 'nightshiftdatastore';
  },
};

interface Kind {
  segment: 'linkedservices' | 'datasets';
  label: string;
  actions: { read: string; write: string; delete: string };
  writeRule?: BodyRule;
  put(s: FactoryDataService, name: string, body: unknown): Promise<StoredFactoryResource<unknown>>;
  get(s: FactoryDataService, name: string): Promise<StoredFactoryResource<unknown>>;
  list(s: FactoryDataService): Promise<StoredFactoryResource<unknown>[]>;
  delete(s: FactoryDataService, name: string): Promise<void>;
}

const KINDS: Kind[] = [
  {
    segment: 'linkedservices',
    label: 'linked service',
    actions: {
      read: ACTIONS.linkedServiceRead,
      write: ACTIONS.linkedServiceWrite,
      delete: ACTIONS.linkedServiceDelete,
    },
    writeRule: workspaceDatastoreRule,
    put: (s, name, body) => s.putLinkedService(name, body),
    get: (s, name) => s.getLinkedService(name),
    list: (s) => s.listLinkedServices(),
    delete: (s, name) => s.deleteLinkedService(name),
  },
  {
    segment: 'datasets',
    label: 'dataset',
    actions: { read: ACTIONS.datasetRead, write: ACTIONS.datasetWrite, delete: ACTIONS.datasetDelete },
    put: (s, name, body) => s.putDataset(name, body),
    get: (s, name) => s.getDataset(name),
    list: (s) => s.listDatasets(),
    delete: (s, name) => s.deleteDataset(name),
  },
];

function view(ws: WorkspaceRef, kind: Kind, r: StoredFactoryResource<unknown>) {
  return {
    id: `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.DataFactory/factories/${ws.workspace}/${kind.segment}/${r.name}`,
    name: r.name,
    type: `Microsoft.DataFactory/factories/${kind.segment}`,
    etag: r.etag,
    properties: r.properties,
  };
}

function kindRoutes(s: FactoryDataRouteServices, kind: Kind): RouteSpec[] {
  const Resource = open(`A ${kind.label} in Data Factory's shape.`, {
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    properties: open(`The ${kind.label}'s properties.`),
  });
  const url = `${FACTORY}/${kind.segment}`;
  return [
    defineRoute({
      method: 'GET',
      url,
      summary: `List ${kind.label}s`,
      tags,
      access: at(kind.actions.read),
      params: factoryParams({}),
      responses: { 200: valueList(Resource) },
      handler: async () => ({
        value: (await kind.list(s.factoryData)).map((r) => view(s.workspace, kind, r)),
      }),
    }),
    defineRoute({
      method: 'PUT',
      url: `${url}/:name`,
      summary: `Create or update a ${kind.label}`,
      tags,
      access: kind.writeRule ? { ...at(kind.actions.write), body: kind.writeRule } : at(kind.actions.write),
      params: NameParams,
      body: Type.Unknown({
        description: `The ${kind.label}: {"properties": {"type", "typeProperties", ...}}.`,
      }),
      responses: { 200: Resource },
      handler: async (req) =>
        view(s.workspace, kind, await kind.put(s.factoryData, req.params.name, req.body)),
    }),
    defineRoute({
      method: 'GET',
      url: `${url}/:name`,
      summary: `Show a ${kind.label}`,
      tags,
      access: at(kind.actions.read),
      params: NameParams,
      responses: { 200: Resource },
      handler: async (req) => view(s.workspace, kind, await kind.get(s.factoryData, req.params.name)),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${url}/:name`,
      summary: `Delete a ${kind.label}`,
      tags,
      access: at(kind.actions.delete),
      params: NameParams,
      responses: { 200: NoContent },
      handler: async (req, reply) => {
        await kind.delete(s.factoryData, req.params.name);
        return reply.status(200).send();
      },
    }),
  ];
}

export function factoryDataRoutes(s: FactoryDataRouteServices): RouteSpec[] {
  return KINDS.flatMap((kind) => kindRoutes(s, kind));
}
