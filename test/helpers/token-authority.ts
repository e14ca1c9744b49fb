/**
 * A stand-in for Entra ID's token endpoint, over HTTPS with a certificate made at test time by openssl,
 * so a real @azure/identity ClientSecretCredential can get a token from it and a real Azurite (started
 * with `--oauth basic`, which checks a token's issuer, audience and times but not its signature) accepts
 * that token. It serves the OpenID metadata MSAL reads and a client-credentials token endpoint that
 * checks the client id and secret it was given, and remembers who asked. The certificate and key live in
 * a temporary folder removed on stop; `trust()` adds the certificate to this process's default CAs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TokenAuthority {
  /** `https://127.0.0.1:PORT`, the credential's authority host. */
  url: string;
  /** The certificate's files, for another local HTTPS server (Azurite) on 127.0.0.1. */
  tls: TlsFiles;
  /** The client ids whose token requests were granted. */
  granted: string[];
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 in `dir`. */
function makeCertificate(dir: string): TlsFiles {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore', input: '' },
  );
  return { keyFile, certFile, key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An access token in Entra ID's shape for Azure Storage (signed with nothing anyone checks here). */
function storageToken(tenant: string, clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: 'https://storage.azure.com',
    iss: `https://sts.windows.net/${tenant}/`,
    iat: now,
    nbf: now - 60,
    exp: now + 3600,
    appid: clientId,
    oid: '00000000-0000-0000-0000-000000000001',
    tid: tenant,
  };
  return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.${randomBytes(32).toString('base64url')}`;
}

/**
 * Starts the authority for one tenant and one client; a token request with another client id or secret
 * is answered as Entra ID answers it (400 invalid_client).
 */
export async function startTokenAuthority(client: {
  tenant: string;
  clientId: string;
  clientSecret: string;
}): Promise<TokenAuthority> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-authority-'));
  const tls = makeCertificate(dir);
  const granted: string[] = [];
  let base = '';
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path.endsWith('/.well-known/openid-configuration')) {
        const tenantBase = `${base}/${client.tenant}`;
        json(200, {
          issuer: `${tenantBase}/v2.0`,
          token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
          authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
          jwks_uri: `${tenantBase}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token', 'token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
        return;
      }
      if (path.endsWith('/oauth2/v2.0/token') && req.method === 'POST') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        if (form.get('client_id') !== client.clientId || form.get('client_secret') !== client.clientSecret) {
          json(400, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret.' });
          return;
        }
        granted.push(client.clientId);
        json(200, {
          token_type: 'Bearer',
          expires_in: 3600,
          ext_expires_in: 3600,
          access_token: storageToken(client.tenant, client.clientId),
        });
        return;
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    url: base,
    tls,
    granted,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Makes this process trust `cert` besides the usual roots (the server under test runs in-process). */
export function trust(cert: string): void {
  setDefaultCACertificates([...getCACertificates('default'), cert]);
}
