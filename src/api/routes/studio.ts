/**
 * The studio's own routes: its static files under /studio/ (any other path under it answers the app's
 * page, so a deep link pasted in a ticket opens), / sent there, and the local owner's sign-in with the
 * code `serve` printed. The files hold no data: everything the studio shows comes from the REST API, each
 * call checked on its own. Files are sent from the built folder only (@fastify/static resolves the path
 * against it and refuses anything outside), and a folder that was never built answers with the command
 * that builds it. The sign-in options tell the sign-in page which ways in this server offers (the local
 * code, a service principal, each configured OIDC issuer with where its sign-in page is); they hold no
 * secret and nothing about the principals.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { StudioSignIn } from '../../auth/studio-sign-in.ts';
import type { StudioOidc } from '../../auth/studio-oidc.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { open, query } from '../schemas.ts';
import { Refusal, sendOAuthError, TokenResponse } from './tokens.ts';

export interface StudioServices {
  /** The built studio (vite's output folder). */
  dir: string;
  signIn: StudioSignIn;
  /** The external issuers offered as sign-in buttons. */
  oidc: StudioOidc;
  /** This server's directory name, in its token URL. */
  tenant: string;
}

const tags = ['studio'];
const STATIC = { public: "the studio's built files: code and styles, no data" };
/** Hashed file names never change content; the page itself must be fetched fresh to pick up a rebuild. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * What a path under /studio/ names: a file of the build (a regular file inside the folder, links
 * followed and still inside), a missing file (anything under assets/, or a file name at the top, such as
 * favicon.ico: a browser asked for code or an image, and the page's HTML would only hide the mistake), or
 * a page of the app: every other path, so a deep link whose last part holds a dot (a job named `run.v2`,
 * a datastore file `data/a.csv`) still opens its page. Nothing is listed: a folder is a page or a 404.
 */
function whatIs(dir: string, path: string): 'file' | 'missing' | 'page' {
  const root = resolve(dir);
  const full = resolve(root, path);
  if (full !== root && full.startsWith(`${root}${sep}`)) {
    try {
      const real = realpathSync(full);
      if (real.startsWith(`${realpathSync(root)}${sep}`) && statSync(real).isFile()) return 'file';
    } catch {
      // Not in the build.
    }
  }
  if (/^assets(\/|$)/.test(path) || (!path.includes('/') && /\.[a-z0-9]+$/i.test(path))) return 'missing';
  return 'page';
}

function sendStudio(s: StudioServices, path: string, reply: FastifyReply): FastifyReply {
  if (!existsSync(join(s.dir, 'index.html'))) {
    return reply
      .status(503)
      .type('text/plain; charset=utf-8')
      .send('The studio is not built. Run "npm run build:studio" (npm ci runs it), then reload.\n');
  }
  const what = whatIs(s.dir, path);
  if (what === 'missing') {
    reply.callNotFound();
    return reply;
  }
  if (what === 'file') {
    void reply.header('cache-control', path.startsWith('assets/') ? IMMUTABLE : 'no-cache');
    return reply.sendFile(path, s.dir, { cacheControl: false });
  }
  void reply.header('cache-control', 'no-cache');
  return reply.sendFile('index.html', s.dir, { cacheControl: false });
}

const SignInBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The code in the URL that serve printed.',
    }),
    resource: Type.String({ minLength: 1, maxLength: 200, description: 'The audience of the token.' }),
  },
  { additionalProperties: false },
);

const SignInOptions = Type.Object(
  {
    localCode: Type.Object({ hint: Type.String() }),
    servicePrincipal: Type.Object({
      tenant: Type.String(),
      tokenEndpoint: Type.String({ description: "This server's token endpoint for client credentials." }),
    }),
    oidc: Type.Array(
      Type.Object({
        issuer: Type.String(),
        displayName: Type.String(),
        clientId: Type.String({ description: "The studio's client id at the issuer (a public client)." }),
        scopes: Type.Array(Type.String()),
        authorizationEndpoint: Type.Optional(Type.String()),
        tokenEndpoint: Type.Optional(Type.String()),
        problem: Type.Optional(Type.String({ description: 'Why this issuer cannot be used right now.' })),
      }),
    ),
  },
  { description: 'The ways this server offers to sign in to the studio.' },
);

export function studioRoutes(s: StudioServices): RouteSpec[] {
  const page = (req: FastifyRequest, reply: FastifyReply) =>
    sendStudio(s, (req.params as { '*'?: string })['*'] ?? '', reply);
  const schema = { responses: { 200: open('A file of the studio.'), 503: open('Not built yet.') } };
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      summary: 'The studio',
      tags,
      access: { public: 'sends the browser to the studio' },
      responses: { 302: open('To /studio/.') },
      handler: (_req, reply) => reply.redirect('/studio/'),
    }),
    defineRoute({
      method: 'GET',
      url: '/studio',
      summary: 'The studio page',
      tags,
      access: STATIC,
      ...schema,
      handler: page,
    }),
    defineRoute({
      method: 'GET',
      url: '/studio/*',
      summary: "The studio's files, and its page for any deep link",
      tags,
      access: STATIC,
      params: Type.Object({ '*': Type.String() }),
      query: query({}),
      ...schema,
      handler: page,
    }),
    defineRoute({
      method: 'GET',
      url: '/nightshift/studio/signInOptions',
      summary: 'The ways to sign in to the studio',
      tags,
      access: { public: 'the sign-in page reads it before anyone is signed in; it holds no secret' },
      query: query({}),
      responses: { 200: SignInOptions },
      handler: async () => ({
        localCode: { hint: 'On the server\'s machine, open the studio URL that "nightshift serve" printed.' },
        servicePrincipal: {
          tenant: s.tenant,
          tokenEndpoint: `/${encodeURIComponent(s.tenant)}/oauth2/token`,
        },
        oidc: await s.oidc.options(),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/nightshift/studio/signIn',
      summary: "The local owner's token, for the code that serve printed",
      tags,
      access: { public: 'the code is the credential, checked like a client secret', audit: 'token/issue' },
      body: SignInBody,
      bodyLimit: 4 * 1024,
      responses: { 200: TokenResponse, 400: Refusal, 401: Refusal, 429: Refusal },
      handler: async (req, reply) => {
        try {
          const response = await s.signIn.exchange(req.body.code, req.body.resource, req.ip);
          return await reply.header('cache-control', 'no-store').send(response);
        } catch (error) {
          return sendOAuthError(reply, error);
        }
      },
    }),
  ];
}
