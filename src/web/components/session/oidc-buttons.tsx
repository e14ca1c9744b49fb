/**
 * One button per external OIDC issuer the server offers ("Sign in with <name>"). An issuer whose sign-in
 * page the server could not find is shown disabled with the reason, rather than left out, so the person
 * knows it exists and whom to ask. The page the person asked for is kept, to return to after sign-in.
 */
import { useState } from 'react';
import { startOidcSignIn, type OidcOption } from '../../api/oidc-sign-in.ts';

export function OidcButtons({ options }: { options: OidcOption[] }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  if (options.length === 0) return null;
  const start = (option: OidcOption) => {
    setBusy(option.issuer);
    setError(undefined);
    const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
    startOidcSignIn(option, here).catch((e: unknown) => {
      setError((e as Error).message);
      setBusy(undefined);
    });
  };
  return (
    <section aria-labelledby="oidc-heading" className="oidc-options">
      <h2 id="oidc-heading">With your organization's account</h2>
      {error === undefined ? null : (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <ul>
        {options.map((option) => (
          <li key={option.issuer}>
            <button
              type="button"
              disabled={option.problem !== undefined || busy !== undefined}
              title={option.problem ?? option.issuer}
              onClick={() => {
                start(option);
              }}
            >
              {busy === option.issuer ? 'Going to ' : 'Sign in with '}
              {option.displayName}
            </button>
            {option.problem === undefined ? null : <p className="muted">{option.problem}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
