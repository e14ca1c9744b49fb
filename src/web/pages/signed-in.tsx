/**
 * Where an external OIDC issuer sends the browser back (/studio/signed-in, outside the sign-in gate): the
 * code is taken out of the address bar at once (it must not stay in history or a pasted link), traded for
 * tokens, and the person is taken to the page they started from. A refused or forged answer, or the
 * issuer's own error (the person cancelled, say), is shown as a message with the way back to sign-in.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useApi } from '../api/context.ts';
import { finishOidcSignIn } from '../api/oidc-sign-in.ts';

export function SignedIn() {
  const api = useApi();
  const navigate = useNavigate();
  const [error, setError] = useState<string | undefined>();
  // The answer is used once: the pending sign-in is taken out of storage on the first run.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const search = window.location.search;
    window.history.replaceState(null, '', window.location.pathname);
    finishOidcSignIn(search)
      .then(async ({ grant, returnTo }) => {
        await api.session.signIn(grant);
        await navigate(returnTo, { replace: true });
      })
      .catch((e: unknown) => {
        setError((e as Error).message);
      });
  }, [api, navigate]);

  return (
    <main id="main" className="sign-in">
      <h1>Signing in to Nightshift Studio</h1>
      {error === undefined ? (
        <p className="muted" role="status" aria-live="polite">
          Finishing sign-in…
        </p>
      ) : (
        <>
          <div className="error" role="alert">
            {error}
          </div>
          <p>
            <Link to="/studio/">Back to sign-in</Link>
          </p>
        </>
      )}
    </main>
  );
}
