/**
 * Plugs the WebActivity core (src/pipelines/web) into the runner as the `WebActivity` handler. Real HTTP
 * goes through `awaitExternal`, so a virtual clock holds still while a server answers and cannot fire
 * `httpRequestTimeout` early; tokens come from the shared provider (this server's token and IMDS endpoints
 * unless configured otherwise), and a pipeline exported from Data Factory that calls Entra's authority
 * directly reaches this server's token endpoint instead.
 */
import type { ActivityHandler } from '../runner/activity-handler.ts';
import type { FetchLike, SecretProvider, TokenProvider } from '../web/contract.ts';
import { entraAuthorityRewriter } from '../web/url-rewrite.ts';
import { runWebActivity } from '../web/web-activity.ts';
import { webActivityInputRecord } from '../web/input-record.ts';

export interface WebActivityHandlerOptions {
  tokens: TokenProvider;
  secrets: SecretProvider;
  /** Where Entra's authority is redirected (this server's URL); no rewriting when absent. */
  authority?: () => string | undefined;
  fetch?: FetchLike;
  asyncPollIntervalMs?: number;
  credentialClientId?: (credentialName: string) => string | undefined;
}

export function webActivityHandler(options: WebActivityHandlerOptions): ActivityHandler {
  return {
    kind: 'execution',
    async run(ctx) {
      const authority = options.authority?.();
      const secureInput = ctx.activity.policy?.secureInput === true;
      // Reported before the call, so a failed attempt's record never shows the Authorization header.
      ctx.reportInput(webActivityInputRecord(ctx.typeProperties, { secureInput }));
      const { output, input } = await runWebActivity(ctx.typeProperties, {
        clock: ctx.clock,
        signal: ctx.signal,
        tokens: options.tokens,
        secrets: options.secrets,
        aroundHttpCall: (call) => ctx.awaitExternal(call()),
        secureInput,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(authority ? { rewriteUrl: entraAuthorityRewriter(authority) } : {}),
        ...(options.asyncPollIntervalMs === undefined
          ? {}
          : { asyncPollIntervalMs: options.asyncPollIntervalMs }),
        ...(options.credentialClientId ? { credentialClientId: options.credentialClientId } : {}),
      });
      ctx.reportInput(input);
      return output;
    },
  };
}
