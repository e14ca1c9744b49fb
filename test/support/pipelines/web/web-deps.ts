/**
 * Ports for WebActivity tests: a manual clock, the default secret provider, and a token provider that
 * fails loudly, so a test that does not expect authentication proves none was attempted.
 */
import type { TokenProvider, WebActivityDeps } from '../../../../src/pipelines/web/contract.ts';
import { createSecretProvider } from '../../../../src/pipelines/web/secrets.ts';
import { ManualClock } from './manual-clock.ts';

const noTokens: TokenProvider = {
  managedIdentityToken: () => Promise.reject(new Error('no managed identity token expected in this test')),
  servicePrincipalToken: () => Promise.reject(new Error('no service principal token expected in this test')),
};

export type TestDeps = WebActivityDeps & { clock: ManualClock };

export function testDeps(
  overrides: Partial<Omit<WebActivityDeps, 'clock'>> & { clock?: ManualClock } = {},
): TestDeps {
  return {
    tokens: noTokens,
    secrets: createSecretProvider(),
    ...overrides,
    clock: overrides.clock ?? new ManualClock(),
  };
}
