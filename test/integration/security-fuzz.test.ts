/**
 * Fuzz of the whole API (issue 10, item 7): at least 1,000 generated hostile requests across every route
 * that takes a body, every query parameter the routes read and every path parameter, from a seeded PRNG
 * (`NIGHTSHIFT_FUZZ_SEED` to replay another seed; the seed is printed). No answer may be a 5xx or show a
 * stack frame, Node's internals or an absolute path of the server (its checkout, its data dir,
 * node_modules). Bodies start from a valid template for the route so the hostile part reaches past the
 * first check; resources they name exist (an endpoint with a deployment, a pipeline).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { datastoreUri, Nightshift } from '../helpers/jobs.ts';
import {
  brokenJson,
  declaredQueryParams,
  HOSTILE_QUERY_VALUES,
  hostileFragment,
  hostileQueryValue,
  hostileSegment,
  invalidUtf8,
  ODD_CONTENT_TYPES,
  pick,
  plant,
  prng,
  type Rand,
} from '../helpers/security-fuzz.ts';
import { internalsIn, raw } from '../helpers/security-http.ts';
import {
  audienceOf,
  MANAGEMENT,
  startAttackServer,
  type AttackServer,
} from '../helpers/security-principals.ts';
import { concretePath, isPublic, listRoutes, type RouteEntry } from '../helpers/security-routes.ts';

const SEED = Number(process.env.NIGHTSHIFT_FUZZ_SEED ?? 20_261_203);
const BODY_CASES = 1200;
const QUERY_CASES = 300;
const PATH_CASES = 200;

/** Query parameters the routes read, plus the ones an attacker tries on any route. */
const QUERY_NAMES = [
  '$top',
  'deployment',
  'api-version',
  'since',
  'limit',
  'result',
  'principal',
  'action',
  'assignee',
  'role',
  'scope',
  'textParameters',
  'resource',
  'client_id',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  '__proto__',
];

interface Case {
  /** A public route takes no token; every other case is sent as the owner. */
  open?: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

interface Context {
  endpoint: string;
  deployment: string;
  pipeline: string;
  model: string;
  code: [string, string];
  ws: string;
  dataDir: string;
}

/** A valid body for a route, which the fuzzer then spoils in one place. */
function templateFor(route: RouteEntry, c: Context): unknown {
  const url = route.url.toLowerCase();
  const input = { in: { JobInputType: 'UriFolder', Uri: datastoreUri('inputs/fuzz-not-there') } };
  if (url.endsWith('/jobs') && route.method === 'POST')
    return {
      properties: {
        InputData: input,
        OutputData: { score: { JobOutputType: 'UriFile', Uri: datastoreUri('fuzz/out.csv') } },
        miniBatchSize: 1,
        retrySettings: { maxRetries: 0, timeout: 'PT10S' },
        tags: { a: 'b' },
        description: 'd',
      },
    };
  if (url.endsWith('/deployments/:deployment'))
    return {
      properties: {
        model: { referenceType: 'Id', assetId: c.model },
        codeConfiguration: { codeId: c.code[0], scoringScript: c.code[1] },
        compute: 'azureml:local',
        resources: { instanceCount: 1 },
        miniBatchSize: 1,
        maxConcurrencyPerInstance: 1,
        retrySettings: { maxRetries: 0, timeout: 'PT10S' },
        errorThreshold: -1,
        outputAction: 'AppendRow',
        outputFileName: 'p.csv',
        environmentVariables: { A: 'b' },
      },
    };
  if (url.endsWith('/batchendpoints/:endpoint'))
    return {
      properties: { authMode: 'AADToken', description: 'd', defaults: { deploymentName: c.deployment } },
      tags: { a: 'b' },
    };
  if (url.endsWith('/datastores/:name'))
    return {
      properties: {
        datastoreType: 'LocalFolder',
        path: `${c.dataDir}/datastores/fuzz`,
        description: 'd',
        tags: { a: 'b' },
      },
    };
  if (/\/(data|models|codes|environments)\/:name\/versions\/:version$/.test(url))
    return {
      properties: {
        dataType: 'uri_folder',
        dataUri: datastoreUri('inputs'),
        modelUri: datastoreUri('inputs'),
        codeUri: datastoreUri('inputs'),
        image: 'python:3.11',
        condaFile: 'dependencies: [python=3.11]',
        description: 'd',
        tags: { a: 'b' },
      },
    };
  if (url.endsWith('/pipelines/:name'))
    return {
      properties: {
        parameters: { p: { type: 'String', defaultValue: 'x' }, s: { type: 'SecureString' } },
        variables: { v: { type: 'String' } },
        activities: [
          {
            name: 'Pause',
            type: 'Wait',
            typeProperties: {
              waitTimeInSeconds: { value: '@length(pipeline().parameters.p)', type: 'Expression' },
            },
          },
          {
            name: 'Set',
            type: 'SetVariable',
            dependsOn: [{ activity: 'Pause', dependencyConditions: ['Succeeded'] }],
            typeProperties: { variableName: 'v', value: "@{concat('a', pipeline().parameters.p)}" },
          },
        ],
      },
    };
  if (url.endsWith('/createrun')) return { p: 'value', s: 'secret' };
  if (url.endsWith('/querypipelineruns'))
    return { filters: [{ operand: 'PipelineName', operator: 'Equals', values: [c.pipeline] }] };
  if (url === '/nightshift/serviceprincipals') return { displayName: 'fuzz' };
  if (url === '/nightshift/managedidentities') return { name: 'fuzz-mi' };
  if (url.startsWith('/nightshift/roleassignments'))
    return { assignee: 'nobody-at-all', role: 'Reader', scope: c.ws };
  return {};
}

/** Route parameters that name existing things, so bodies reach past "not found". */
function pathFor(route: RouteEntry, c: Context, ws: AttackServer['workspace']): string {
  return concretePath(route, ws)
    .replace('/batchEndpoints/secendpoint', `/batchEndpoints/${c.endpoint}`)
    .replace('/endpoints/secendpoint', `/endpoints/${c.endpoint}`)
    .replace('/deployments/secdeployment', `/deployments/${c.deployment}`)
    .replace('/pipelines/secname', `/pipelines/${c.pipeline}`)
    .replace('/versions/secversion', '/versions/1')
    .replace('sec-folder/sec-file.txt', 'fuzz/upload.bin');
}

function bodyCase(rand: Rand, route: RouteEntry, c: Context, path: string): Case {
  const template = templateFor(route, c);
  const roll = rand();
  let body: string | Buffer;
  if (roll < 0.55) body = plant(rand, template, hostileFragment(rand).text);
  else if (roll < 0.7) body = hostileFragment(rand).text;
  else if (roll < 0.8) body = invalidUtf8(rand, template);
  else body = brokenJson(rand, template);
  let type = rand() < 0.85 ? 'application/json' : pick(rand, ODD_CONTENT_TYPES);
  if (/\/oauth2\//.test(route.url)) {
    type = 'application/x-www-form-urlencoded';
    const value = pick(rand, [hostileFragment(rand).text, 'x'.repeat(70_000), '%00', '%ff']);
    const field = pick(rand, ['grant_type', 'client_id', 'client_secret', 'resource', 'scope']);
    const form = {
      grant_type: 'client_credentials',
      client_id: 'nobody',
      client_secret: 's',
      resource: MANAGEMENT,
    };
    body = Object.entries({ ...form, [field]: value })
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
  } else if (/\/paths\/\*$/.test(route.url) && rand() < 0.5) {
    type = pick(rand, ['application/octet-stream', 'binary/octet-stream', ...ODD_CONTENT_TYPES]);
  }
  return { method: route.method, path, headers: { 'content-type': type }, body };
}

function queryCase(rand: Rand, route: RouteEntry, path: string): Case {
  const count = 1 + Math.floor(rand() * 3);
  const pairs: string[] = [];
  for (let i = 0; i < count; i++) pairs.push(`${pick(rand, QUERY_NAMES)}=${hostileQueryValue(rand)}`);
  if (rand() < 0.2) pairs.push(pairs[0] ?? 'a=b');
  return { method: route.method, path: `${path}?${pairs.join('&')}`, headers: {} };
}

function pathCase(rand: Rand, route: RouteEntry, path: string): Case {
  const segments = path.split('/');
  const params = route.url.split('/').flatMap((s, i) => (s.startsWith(':') || s === '*' ? [i] : []));
  const index = pick(rand, params.length > 0 ? params : [segments.length - 1]);
  segments[index] = hostileSegment(rand);
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  return {
    method: route.method,
    path: segments.join('/'),
    headers: hasBody ? { 'content-type': 'application/json' } : {},
    ...(hasBody ? { body: '{}' } : {}),
  };
}

describe('fuzz: hostile requests get no 5xx and no internals', () => {
  let server: AttackServer;
  let routes: RouteEntry[];
  let c: Context;

  before(async () => {
    server = await startAttackServer();
    routes = await listRoutes(server.app, server.url);
    const ns = await Nightshift.connect(server.url);
    mkdirSync(join(server.dataDir, 'datastores', 'fuzz'), { recursive: true });
    const deployed = await ns.deploy({ script: 'strings.ts' });
    const factory = server.ws.replace(
      'Microsoft.MachineLearningServices/workspaces',
      'Microsoft.DataFactory/factories',
    );
    await ns.ok('PUT', `${factory}/pipelines/fuzzpipe`, {
      json: {
        properties: {
          activities: [{ name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } }],
        },
      },
    });
    c = {
      endpoint: deployed.endpoint,
      deployment: deployed.deployment,
      pipeline: 'fuzzpipe',
      model: await ns.registerModel(),
      code: await ns.registerScript('strings.ts'),
      ws: server.ws,
      dataDir: server.dataDir,
    };
  });

  after(async () => {
    await server.stop();
  });

  /**
   * What an answer shows that it must not. A value the request itself carried may come back in the
   * message that names it (a datastore root under the data dir, say), and datastore views show their root.
   */
  function problems(status: number, text: string, sent: string): string[] {
    const found: string[] = status >= 500 ? [`status ${status}`] : [];
    const own = text.split(`"path":"${server.dataDir}/datastores/`).join('"path":"');
    const shown = internalsIn(own, server).filter((needle) => !sent.includes(needle));
    return [...found, ...shown];
  }

  it(`sends ${BODY_CASES + QUERY_CASES + PATH_CASES} hostile requests`, async (t: TestContext) => {
    t.diagnostic(`fuzz seed ${SEED} (replay with NIGHTSHIFT_FUZZ_SEED=${SEED})`);
    const rand = prng(SEED);
    const withBody = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    const reads = routes.filter((r) => r.method === 'GET');
    const cases: Case[] = [];
    for (let i = 0; i < BODY_CASES; i++) {
      const route = withBody[i % withBody.length];
      if (route)
        cases.push({
          ...bodyCase(rand, route, c, pathFor(route, c, server.workspace)),
          open: isPublic(route),
        });
    }
    for (let i = 0; i < QUERY_CASES; i++) {
      const route = reads[i % reads.length];
      if (route)
        cases.push({ ...queryCase(rand, route, pathFor(route, c, server.workspace)), open: isPublic(route) });
    }
    const parameterised = routes.filter((r) => r.url.includes(':') || r.url.endsWith('*'));
    for (let i = 0; i < PATH_CASES; i++) {
      const route = parameterised[i % parameterised.length];
      if (route)
        cases.push({ ...pathCase(rand, route, pathFor(route, c, server.workspace)), open: isPublic(route) });
    }
    assert.ok(cases.length >= 1000, `only ${cases.length} cases`);
    const failures: string[] = [];
    for (const [index, k] of cases.entries()) {
      const auth: Record<string, string> = k.open
        ? {}
        : { authorization: `Bearer ${await server.ownerToken(audienceOf(k.path))}` };
      const request = { method: k.method, path: k.path, ...(k.body === undefined ? {} : { body: k.body }) };
      const reply = await raw(server.url, { ...request, headers: { ...auth, ...k.headers } }).catch(
        (error: unknown) => ({ status: 599, text: `no answer: ${String(error)}` }),
      );
      const found = problems(reply.status, reply.text, `${k.path} ${k.body?.toString() ?? ''}`);
      if (found.length > 0) {
        const body = k.body === undefined ? '' : ` body ${k.body.toString().slice(0, 120)}`;
        failures.push(
          `#${index} ${k.method} ${k.path.slice(0, 160)} [${k.headers['content-type'] ?? ''}]${body} -> ${found.join(', ')}: ${reply.text.slice(0, 200)}`,
        );
      }
    }
    const health = await raw(server.url, { method: 'GET', path: '/healthz' });
    assert.equal(health.status, 200, 'the server no longer answers /healthz');
    assert.equal(
      failures.length,
      0,
      `seed ${SEED}: ${failures.length} of ${cases.length} answers were wrong:\n${failures.slice(0, 40).join('\n')}`,
    );
  });
  it('every query parameter a route declares takes each hostile value without a 5xx; numbers must be whole and in range', async () => {
    const declared = (await declaredQueryParams(server.url)).filter((d) => d.method !== 'DELETE');
    assert.ok(declared.some((d) => d.params.some((p) => p.name === '$top' && p.type === 'integer')));
    const failures: string[] = [];
    for (const route of declared) {
      const entry: RouteEntry = { method: route.method, url: route.url };
      const path = pathFor(entry, c, server.workspace);
      const open = isPublic(entry);
      for (const param of route.params) {
        for (const value of HOSTILE_QUERY_VALUES) {
          const sent = `${path}?${encodeURIComponent(param.name)}=${value}`;
          const auth: Record<string, string> = open
            ? {}
            : { authorization: `Bearer ${await server.ownerToken(audienceOf(path))}` };
          const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
          const reply = await raw(server.url, {
            method: route.method,
            path: sent,
            headers: { ...auth, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
            ...(hasBody ? { body: '{}' } : {}),
          });
          const found = problems(reply.status, reply.text, sent);
          // A whole number in range is the only thing a numeric parameter takes: anything else is a 400
          // that names the parameter.
          const numeric =
            param.type === 'integer' && ['2.5', '-1', '0', '1e400', 'abc', 'NaN'].includes(value);
          if (numeric && (reply.status !== 400 || !reply.text.includes(param.name)))
            found.push(`expected a 400 naming '${param.name}'`);
          if (found.length > 0)
            failures.push(
              `${route.method} ${sent.slice(0, 160)} -> ${reply.status} ${found.join(', ')}: ${reply.text.slice(0, 200)}`,
            );
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
