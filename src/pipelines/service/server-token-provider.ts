/**
 * The token provider pipelines use inside the server: this server's own token and IMDS endpoints, whose
 * URL is only known once it listens, so the HTTP provider is built at first use. A managed identity
 * (`authentication.type: MSI`) is therefore the server's `system` identity, as a factory's own identity
 * is in Data Factory, and a user-assigned one is chosen by client id.
 */
import type { Clock } from '../time/clock.ts';
import type { ServicePrincipalTokenRequest, TokenProvider, TokenRequestOptions } from '../web/contract.ts';
import { HttpTokenProvider } from '../web/http-token-provider.ts';

export function serverTokenProvider(serverUrl: () => string | undefined, clock: Clock): TokenProvider {
  let provider: HttpTokenProvider | undefined;
  const get = (): HttpTokenProvider => {
    if (provider) return provider;
    const url = serverUrl();
    if (url === undefined) throw new Error('The server is not listening yet, so it cannot issue tokens.');
    provider = new HttpTokenProvider({ serverUrl: url, clock });
    return provider;
  };
  return {
    managedIdentityToken: (resource: string, clientId?: string, options?: TokenRequestOptions) =>
      get().managedIdentityToken(resource, clientId, options),
    servicePrincipalToken: (request: ServicePrincipalTokenRequest, options?: TokenRequestOptions) =>
      get().servicePrincipalToken(request, options),
  };
}
