/**
 * Sign-in: with the code from the URL `nightshift serve` printed (taken from the address bar, then removed
 * from it so it does not end up in history or a pasted link), or with a service principal's app id and
 * secret. The server's refusal is shown as it words it.
 */
import { useEffect, useState, type SyntheticEvent } from 'react';
import { useApi } from '../api/context.ts';

const DEFAULT_TENANT = 'nightshift';

export function SignIn() {
  const api = useApi();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({ tenant: DEFAULT_TENANT, clientId: '', clientSecret: '' });

  useEffect(() => {
    const url = new URL(window.location.href);
    const code = url.searchParams.get('code');
    if (code === null) return;
    url.searchParams.delete('code');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    setBusy(true);
    api.session.signIn({ kind: 'code', code }).catch((e: unknown) => {
      setError((e as Error).message);
      setBusy(false);
    });
  }, [api]);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    api.session.signIn({ kind: 'servicePrincipal', ...form }).catch((e: unknown) => {
      setError((e as Error).message);
      setBusy(false);
    });
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Nightshift Studio</h1>
      <p className="muted">
        On the server's machine, open the studio URL that <code>nightshift serve</code> printed. Elsewhere,
        sign in with a service principal.
      </p>
      {error === undefined ? null : (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <form onSubmit={submit}>
        <label>
          Tenant
          <input
            value={form.tenant}
            onChange={(e) => {
              setForm({ ...form, tenant: e.target.value });
            }}
          />
        </label>
        <label>
          Application (client) id
          <input
            name="clientId"
            required
            value={form.clientId}
            onChange={(e) => {
              setForm({ ...form, clientId: e.target.value });
            }}
          />
        </label>
        <label>
          Client secret
          <input
            name="clientSecret"
            type="password"
            required
            value={form.clientSecret}
            onChange={(e) => {
              setForm({ ...form, clientSecret: e.target.value });
            }}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
