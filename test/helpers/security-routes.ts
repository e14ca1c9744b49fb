/**
 * The route table as the attack suite sees it, and what each built-in role may do on each route. Routes
 * come from the app's own table (`app.routes()`, PLAN contract 1) when it has one, else from the paths of
 * `/openapi.json`, so the suite runs on code that predates the table. What a role may do is written here
 * by hand, per action family, from Azure's role definitions and issue 10's contracts, and never computed
 * by the server's own authorize(): the point is to check the server against an independent statement.
 * A route this file cannot place in a family fails the suite, so a new route must be thought about here.
 */
import assert from 'node:assert/strict';
import type { RoleName } from './security-principals.ts';

export interface RouteEntry {
  method: string;
  /** Fastify form: `/a/:param/b/*`. */
  url: string;
  /** From the app's table when it has one: 'public', or the route's declared action. */
  access?: unknown;
}

/** The app's route table (contract 1), else the OpenAPI document's paths; HEAD and OPTIONS left out. */
export async function listRoutes(app: unknown, base: string): Promise<RouteEntry[]> {
  const table = (app as { routes?: () => RouteEntry[] }).routes;
  let routes: RouteEntry[];
  if (typeof table === 'function') {
    routes = table.call(app).map((r) => ({ method: r.method.toUpperCase(), url: r.url, access: r.access }));
  } else {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => ({
        method: m.toUpperCase(),
        url: path.replace(/\{\*\}/g, '*').replace(/\{([^}]+)\}/g, ':$1'),
      })),
    );
  }
  return routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
}

/** Routes anyone may call, each with why: the token service, IMDS (gated by address), health, docs. */
const PUBLIC: [RegExp, string][] = [
  [/^\/healthz$/, 'health checks'],
  [/^\/info$/, 'the workspace id clients need before they have a token'],
  [/^\/openapi\.json$/, 'the API description'],
  [/^\/:tenant\/oauth2\/(v2\.0\/)?token$/, 'where tokens are obtained'],
  [/^\/:tenant\/(v2\.0\/)?\.well-known\/openid-configuration$/, 'OIDC discovery'],
  [/^\/:tenant\/discovery\/(v2\.0\/)?keys$/, 'the public signing keys'],
  [/^\/metadata\/identity\/oauth2\/token$/, 'IMDS, which answers local callers only'],
  [/^\/$/, 'a redirect to the studio'],
  [/^\/studio(\/\*)?$/, "the studio's static files, which hold no data"],
  [/^\/nightshift\/studio\/signIn$/, 'where the printed sign-in code is exchanged for a token'],
  [/^\/nightshift\/studio\/signInOptions$/, 'the ways to sign in, read before anyone is signed in'],
];

/**
 * Whether the app's table declares a route public, in whatever shape it writes that (`'public'`,
 * `{ public: reason }`, `{ kind: 'public', reason }`): public, and naming no Azure action.
 */
export function declaredPublic(access: unknown): boolean {
  // JSON.stringify(undefined) is undefined at run time, whatever its declared type says.
  const text = access === undefined ? '' : JSON.stringify(access);
  return /public/i.test(text) && !/Microsoft\.|\/(read|write|delete|action)\b/.test(text);
}

export function isPublic(route: RouteEntry): boolean {
  return PUBLIC.some(([pattern]) => pattern.test(route.url));
}

/** Whether a role may do what a route needs: allowed, refused (403), or left to the server. */
export type Expectation = 'allow' | 'deny' | 'either';

const A = 'allow';
const D = 'deny';
const E = 'either';

/**
 * The expectation table: per action family, per role (Owner, Contributor, Reader, AzureML Data
 * Scientist, Batch Endpoint Invoker), all assigned at the workspace. 'either' marks what the outcome of
 * one request cannot pin: the invoker's own-jobs data action on a job that does not exist, and a datastore
 * PUT whose body decides whether it is a host privilege. Reading the directory is pinned as the roles
 * have it: service principals are Owner's alone (as Azure's Reader, ours cannot list app ids, the target
 * of a lockout); managed identities are ARM resources every workspace reader sees.
 */
const FAMILIES: Record<string, [Expectation, Expectation, Expectation, Expectation, Expectation]> = {
  //                                     Owner Contrib Reader Scient Invoker
  'workspace resources: read': /*   */ [A, A, A, A, D],
  'workspace resources: write': /*  */ [A, A, D, A, D],
  'endpoints and deployments: read': [A, A, A, A, A],
  // Needs only workspaces/read, which the invoker role holds to find its endpoints.
  'own permissions: read': /*      */ [A, A, A, A, A],
  'datastores: register': /*       */ [A, E, D, E, D],
  'datastores: list secrets': /*   */ [A, A, D, A, D],
  'datastore contents: read': /*   */ [A, A, D, A, D],
  'datastore contents: write': /*  */ [A, A, D, A, D],
  'jobs: read': /*                 */ [A, A, A, A, A],
  'jobs: invoke': /*               */ [A, A, D, A, A],
  'jobs: cancel': /*               */ [A, A, D, A, D],
  // Starting a job again: the invoker may, on the jobs it started only.
  'jobs: rerun': /*                */ [A, A, D, A, E],
  'job outputs: read': /*          */ [A, A, D, A, E],
  'service principals: read': /*   */ [A, D, D, D, D],
  'managed identities: read': /*   */ [A, A, A, D, D],
  'directory: manage': /*          */ [A, D, D, D, D],
  'role assignments: read': /*     */ [A, A, A, D, D],
  'role assignments: write': /*    */ [A, D, D, D, D],
  'audit log: read': /*            */ [A, A, A, D, D],
  'pipelines: read': /*            */ [A, A, A, D, D],
  'pipelines: write and run': /*   */ [A, A, D, D, D],
  // Azure's Data Scientist may not create or delete computes; listNodes is an action, beyond Reader's reads.
  'computes: read': /*             */ [A, A, A, A, D],
  'computes: write': /*            */ [A, A, D, D, D],
  'computes: list nodes': /*       */ [A, A, D, A, D],
  'metrics: read': /*              */ [A, A, A, A, D],
  // Event Grid's actions: Reader's read wildcard reaches them; the Data Scientist's ML-only actions do not.
  'event subscriptions: read': /*  */ [A, A, A, D, D],
  'event subscriptions: write': /* */ [A, A, D, D, D],
};

const ROLE_COLUMN: Record<RoleName, number> = {
  Owner: 0,
  Contributor: 1,
  Reader: 2,
  'AzureML Data Scientist': 3,
  'Batch Endpoint Invoker': 4,
};

const WS_PREFIX =
  /^\/subscriptions\/:subscriptionid\/resourcegroups\/:resourcegroupname\/providers\/microsoft\.machinelearningservices\/workspaces\/:workspacename/;
const DF_PREFIX =
  /^\/subscriptions\/:subscriptionid\/resourcegroups\/:resourcegroupname\/providers\/microsoft\.datafactory\/factories\/:factoryname/;

function workspaceFamily(method: string, rest: string): string | undefined {
  const read = method === 'GET';
  // What the caller may do here: answered to anyone who may see the workspace, as Azure's.
  if (/\/providers\/microsoft\.authorization\/permissions$/.test(rest))
    return read ? 'own permissions: read' : undefined;
  if (/^\/providers\/microsoft\.eventgrid\/eventsubscriptions(\/|$)/.test(rest))
    return read ? 'event subscriptions: read' : 'event subscriptions: write';
  if (/^\/datastores\/:[^/]+\/paths\/\*$/.test(rest))
    return read ? 'datastore contents: read' : 'datastore contents: write';
  if (/^\/datastores\/:[^/]+\/(folders|preview\/\*)$/.test(rest))
    return read ? 'datastore contents: read' : undefined;
  if (/^\/datastores(\/:[^/]+)?$/.test(rest) && method === 'PUT') return 'datastores: register';
  if (/^\/datastores\/:[^/]+\/listsecrets$/.test(rest)) return 'datastores: list secrets';
  if (/^\/jobs\/:[^/]+\/outputs(\/|$)/.test(rest)) return read ? 'job outputs: read' : undefined;
  if (/^\/jobs\/:[^/]+\/cancel$/.test(rest)) return method === 'POST' ? 'jobs: cancel' : undefined;
  if (/^\/jobs\/:[^/]+\/rerun$/.test(rest)) return method === 'POST' ? 'jobs: rerun' : undefined;
  // An endpoint's jobs per day by status: a count of what its job list shows the caller.
  if (/^\/batchendpoints\/:[^/]+\/jobstats$/.test(rest)) return read ? 'jobs: read' : undefined;
  // A job's log tree and the job page's live routes (events, miniBatches, progressHistory) are job reads.
  if (/\/jobs(\/|$)/.test(rest) || /^\/jobs/.test(rest)) {
    if (read) return 'jobs: read';
    return /\/jobs$/.test(rest) && method === 'POST' ? 'jobs: invoke' : undefined;
  }
  if (/^\/computes\/:[^/]+\/listnodes$/.test(rest))
    return method === 'POST' ? 'computes: list nodes' : undefined;
  if (/^\/computes(\/|$)/.test(rest)) return read ? 'computes: read' : 'computes: write';
  if (/^\/batchendpoints(\/|$)/.test(rest))
    return read ? 'endpoints and deployments: read' : 'workspace resources: write';
  if (/^\/(datastores|data|models|codes|environments|schedules)(\/|$)/.test(rest))
    return read ? 'workspace resources: read' : 'workspace resources: write';
  return undefined;
}

function nightshiftFamily(method: string, rest: string): string | undefined {
  const read = method === 'GET';
  if (/^\/serviceprincipals(\/|$)/.test(rest)) return read ? 'service principals: read' : 'directory: manage';
  if (/^\/managedidentities(\/|$)/.test(rest)) return read ? 'managed identities: read' : 'directory: manage';
  if (/^\/roleassignments(\/|$)/.test(rest))
    return read ? 'role assignments: read' : 'role assignments: write';
  if (rest === '/roledefinitions' && read) return 'role assignments: read';
  if (rest === '/auditlogs' && read) return 'audit log: read';
  return undefined;
}

/** The action family of a non-public route; fails the test for a route nobody has placed. */
export function familyOf(route: RouteEntry): string {
  const url = route.url.toLowerCase();
  let family: string | undefined;
  if (WS_PREFIX.test(url)) family = workspaceFamily(route.method, url.replace(WS_PREFIX, ''));
  // Every factory GET is a read, the live run stream (`pipelineruns/:runId/events`) included: Reader
  // follows a run (without its activity runs, which need an action).
  else if (DF_PREFIX.test(url))
    family = route.method === 'GET' ? 'pipelines: read' : 'pipelines: write and run';
  else if (url === '/metrics') family = route.method === 'GET' ? 'metrics: read' : undefined;
  else if (url.startsWith('/nightshift/'))
    family = nightshiftFamily(route.method, url.slice('/nightshift'.length));
  else if (/^\/endpoints\/:[^/]+\/jobs\/:[^/]+\/rerun$/.test(url))
    family = route.method === 'POST' ? 'jobs: rerun' : undefined;
  else if (/^\/endpoints\/:[^/]+\/jobs(\/:[^/]+)?$/.test(url))
    family = route.method === 'GET' ? 'jobs: read' : route.method === 'POST' ? 'jobs: invoke' : undefined;
  assert.ok(
    family,
    `${route.method} ${route.url}: not in the expectation table of test/helpers/security-routes.ts`,
  );
  return family;
}

export function expectationFor(route: RouteEntry, role: RoleName): Expectation {
  const row = FAMILIES[familyOf(route)];
  assert.ok(row);
  return row[ROLE_COLUMN[role]] ?? 'either';
}

/** A concrete path for a route: the hosted workspace's ids, names that exist nowhere, one file path. */
export function concretePath(
  route: RouteEntry,
  ws: { subscriptionId: string; resourceGroup: string; workspace: string },
): string {
  const values: Record<string, string> = {
    subscriptionId: ws.subscriptionId,
    resourceGroupName: ws.resourceGroup,
    workspaceName: ws.workspace,
    factoryName: ws.workspace,
    tenant: 'nightshift',
  };
  return route.url
    .replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => values[name] ?? `sec${name.toLowerCase()}`)
    .replace(/\*$/, 'sec-folder/sec-file.txt');
}

export interface Spelling {
  path: string;
  /** 'same': the router must match the same route; 'other': it may match nothing (404 with a token). */
  kind: 'same' | 'other';
}

/** Other spellings of a path: percent-encoded letters of the first segment, case, slashes, dots. */
export function spellings(path: string): Spelling[] {
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.join('/');
  const out: Spelling[] = [];
  for (let i = 0; i < first.length; i++) {
    const hex = first.charCodeAt(i).toString(16);
    const encoded = `${first.slice(0, i)}%${i % 2 === 0 ? hex : hex.toUpperCase()}${first.slice(i + 1)}`;
    out.push({ path: `/${encoded}/${tail}`, kind: 'same' });
  }
  out.push({ path: `/${first.toUpperCase()}/${tail}`, kind: 'same' });
  out.push({ path: path.toUpperCase(), kind: 'other' });
  // A trailing slash matches the route only while the router ignores trailing slashes: 'other'.
  out.push({ path: `${path}/`, kind: 'other' });
  for (const other of [
    `/${path}`,
    `/${first}//${tail}`,
    `/${first}./${tail}`,
    `${path}.`,
    `/${first}%2f${tail}`,
    `/x/../${first}/${tail}`,
    `/${first}/./${tail}`,
  ])
    out.push({ path: other, kind: 'other' });
  return out;
}
