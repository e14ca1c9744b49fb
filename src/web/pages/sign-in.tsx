/**
 * Sign-in, with the ways this server offers (GET /nightshift/studio/signInOptions): the code from the URL
 * `nightshift serve` printed (taken from the address bar, then removed from it so it does not end up in
 * history or a pasted link), a button per external OIDC issuer, or a service principal's app id and
 * secret. Why the last session ended (an expired sign-in) is shown first. The server's refusal is shown as
 * it words it.
 */
import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/context.ts';
import type { SignInOptions } from '../api/oidc-sign-in.ts';
import { OidcButtons } from '../components/session/oidc-buttons.tsx';
import { ServicePrincipalForm } from '../components/session/service-principal-form.tsx';
import '../styles/session.css';

function useSignInOptions() {
  return useQuery<SignInOptions>({
    queryKey: ['studio', 'signInOptions'],
    queryFn: async () => {
      const response = await fetch('/nightshift/studio/signInOptions');
      if (!response.ok) throw new Error(`The sign-in options could not be read (HTTP ${response.status}).`);
      return (await response.json()) as SignInOptions;
    },
  });
}

/** Signs the local owner in with the code in the address bar, if there is one. */
function useLocalCode(): string | undefined {
  const api = useApi();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const url = new URL(window.location.href);
    const code = url.searchParams.get('code');
    if (code === null) return;
    url.searchParams.delete('code');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    api.session.signIn({ kind: 'code', code }).catch((e: unknown) => {
      setError((e as Error).message);
    });
  }, [api]);
  return error;
}

export function SignIn() {
  const api = useApi();
  const options = useSignInOptions();
  const codeError = useLocalCode();
  const notice = api.session.notice;

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Nightshift Studio</h1>
      {notice === undefined ? null : (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <p className="muted">
        On the server's machine, open the studio URL that <code>nightshift serve</code> printed. Elsewhere,
        sign in with your organization's account when one is offered, or with a service principal.
      </p>
      {codeError === undefined ? null : (
        <div className="error" role="alert">
          {codeError}
        </div>
      )}
      {options.error === null ? null : (
        <div className="error" role="alert">
          {options.error.message}
        </div>
      )}
      <OidcButtons options={options.data?.oidc ?? []} />
      <h2>With a service principal</h2>
      <ServicePrincipalForm tenant={options.data?.servicePrincipal.tenant} />
    </main>
  );
}
