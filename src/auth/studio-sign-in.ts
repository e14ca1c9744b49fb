/**
 * How the studio signs in the local owner without a prompt, as the CLI does: the server makes a random
 * code at start and prints it inside the studio URL, on the terminal of the user who started it (the same
 * reach as `credentials.json` in the data dir). The browser trades the code for a token of the local
 * owner, issued the documented way (client credentials through the token service), and keeps the code for
 * the session only, to renew the token. A wrong code is refused like a wrong secret; the code is never
 * written to disk or logged, and a restart makes a new one.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readLocalCredentials } from './local-owner.ts';
import { OAuthError, type TokenResponse, type TokenService } from './token-service.ts';

export interface StudioSignIn {
  /** The code printed in the studio URL. */
  readonly code: string;
  /** A token of the local owner for `resource`, when `code` is this server's code. */
  exchange(code: string, resource: string, remoteAddress?: string): Promise<TokenResponse>;
}

function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createStudioSignIn(options: { dataDir: string; tokens: TokenService }): StudioSignIn {
  const code = randomBytes(24).toString('base64url');
  return {
    code,
    async exchange(given, resource, remoteAddress) {
      if (!sameCode(given, code)) {
        throw new OAuthError(
          400,
          'invalid_grant',
          undefined,
          'The sign-in code is not this server\'s. Open the studio URL that "nightshift serve" printed, or sign in with a service principal.',
        );
      }
      const local = readLocalCredentials(options.dataDir);
      if (!local) {
        throw new OAuthError(
          400,
          'invalid_grant',
          undefined,
          'This server has no local owner credentials in its data dir; sign in with a service principal.',
        );
      }
      const { response } = await options.tokens.issueForClientCredentials({
        tenant: options.tokens.tenantId,
        grantType: 'client_credentials',
        clientId: local.clientId,
        clientSecret: local.clientSecret,
        resource,
        version: '1.0',
        remoteAddress,
      });
      return response;
    },
  };
}
