/**
 * Sign-in with a service principal's app id and secret, through this server's token endpoint. The tenant
 * starts as the server's own (from the sign-in options) and stays editable; what was typed is kept when
 * the server refuses, and the refusal is shown as the server words it.
 */
import { useEffect, useState, type SyntheticEvent } from 'react';
import { useApi } from '../../api/context.ts';

export function ServicePrincipalForm({ tenant }: { tenant: string | undefined }) {
  const api = useApi();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({ tenant: tenant ?? 'nightshift', clientId: '', clientSecret: '' });
  const [tenantTouched, setTenantTouched] = useState(false);

  useEffect(() => {
    if (tenant !== undefined && !tenantTouched) setForm((f) => ({ ...f, tenant }));
  }, [tenant, tenantTouched]);

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
    <form onSubmit={submit}>
      {error === undefined ? null : (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <label>
        Tenant
        <input
          value={form.tenant}
          onChange={(e) => {
            setTenantTouched(true);
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
  );
}
