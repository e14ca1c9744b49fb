/**
 * The frame of every page: a skip link, the navigation (a menu button at phone width), the theme switch
 * (the system's choice unless the viewer picks one), who is signed in (whichever way: the local owner, a
 * service principal's app id, an OIDC user's name) with their roles here, and the page itself.
 */
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useApi } from '../api/context.ts';
import { AccessNotice, YourRoles } from './session/access-notice.tsx';
import '../styles/session.css';

const NAV: readonly [string, string][] = [
  ['/studio/', 'Overview'],
  ['/studio/endpoints', 'Endpoints'],
  ['/studio/jobs', 'Jobs'],
  ['/studio/models', 'Models'],
  ['/studio/pipelines', 'Pipelines'],
  ['/studio/datastores', 'Datastores'],
  ['/studio/data', 'Data assets'],
  ['/studio/audit', 'Audit log'],
];

type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'nightshift.theme';

function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(
    () => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system',
  );
  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);
  return [theme, setTheme];
}

export function Layout() {
  const api = useApi();
  const [theme, setTheme] = useTheme();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => {
    setMenuOpen(false);
  }, [location.pathname]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Nightshift Studio</span>
        <button
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => {
            setMenuOpen(!menuOpen);
          }}
        >
          Menu
        </button>
        <nav id="nav" aria-label="Main" className={menuOpen ? 'open' : ''}>
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to} end={to === '/studio/'}>
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <label>
            <span className="sr-only">Theme</span>
            <select
              value={theme}
              onChange={(e) => {
                setTheme(e.target.value as Theme);
              }}
            >
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span className="muted signed-in-as" title="Signed in as">
            {api.session.who}
          </span>
          <YourRoles />
          <button
            onClick={() => {
              api.session.signOut();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <AccessNotice />
        <Outlet />
      </main>
    </>
  );
}
