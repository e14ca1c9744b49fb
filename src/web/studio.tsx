/**
 * The studio: the session and API client, react-query, and the routes. Every page has a URL under
 * /studio/ (the server answers the app for any of them), so any page can be linked to. The sign-in gate
 * is inside the router: a page asked for before sign-in shows the sign-in form at its own URL and opens
 * once signed in, and /studio/signed-in (where an OIDC issuer sends the browser back) is outside it.
 */
import { useEffect, useMemo } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { ApiClient } from './api/client.ts';
import { ApiContext, useSignedIn } from './api/context.ts';
import { Session } from './api/session.ts';
import { Layout } from './components/layout.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { SignedIn } from './pages/signed-in.tsx';
import { Overview } from './pages/overview.tsx';
import { EndpointList } from './pages/endpoint-list.tsx';
import { EndpointDetail } from './pages/endpoint-detail.tsx';
import { DeploymentDetail } from './pages/deployment-detail.tsx';
import { JobList } from './pages/job-list.tsx';
import { JobDetail } from './pages/job-detail.tsx';
import { ModelList } from './pages/model-list.tsx';
import { ModelDetail } from './pages/model-detail.tsx';
import { PipelineList } from './pages/pipeline-list.tsx';
import { PipelineDetail } from './pages/pipeline-detail.tsx';
import { PipelineRunDetail } from './pages/pipeline-run-detail.tsx';
import { DatastoreList } from './pages/datastore-list.tsx';
import { DatastoreBrowser } from './pages/datastore-browser.tsx';
import { DataAssets } from './pages/data-assets.tsx';
import { AuditLog } from './pages/audit-log.tsx';
import { NotFound } from './pages/not-found.tsx';

function Gate() {
  return useSignedIn() ? <Layout /> : <SignIn />;
}

function studioRouter() {
  return createBrowserRouter([
    { path: '/studio/signed-in', element: <SignedIn /> },
    {
      path: '/studio',
      element: <Gate />,
      children: [
        { index: true, element: <Overview /> },
        { path: 'endpoints', element: <EndpointList /> },
        { path: 'endpoints/:endpoint', element: <EndpointDetail /> },
        { path: 'endpoints/:endpoint/deployments/:deployment', element: <DeploymentDetail /> },
        { path: 'jobs', element: <JobList /> },
        { path: 'jobs/:job', element: <JobDetail /> },
        { path: 'models', element: <ModelList /> },
        { path: 'models/:name', element: <ModelDetail /> },
        { path: 'pipelines', element: <PipelineList /> },
        { path: 'pipelines/:name', element: <PipelineDetail /> },
        { path: 'pipeline-runs/:runId', element: <PipelineRunDetail /> },
        { path: 'datastores', element: <DatastoreList /> },
        { path: 'datastores/:name/*', element: <DatastoreBrowser /> },
        { path: 'data', element: <DataAssets /> },
        { path: 'audit', element: <AuditLog /> },
        { path: '*', element: <NotFound /> },
      ],
    },
  ]);
}

export function Studio() {
  const api = useMemo(() => new ApiClient(new Session()), []);
  const router = useMemo(studioRouter, []);
  const queries = useMemo(
    () =>
      new QueryClient({
        defaultOptions: {
          // A refusal or a missing resource will not change by asking again at once.
          queries: {
            retry: (count, error) => count < 2 && !/^4/.test(String((error as { status?: number }).status)),
          },
        },
      }),
    [],
  );
  // What one principal was shown must not be shown to the next one signing in in this tab.
  useEffect(
    () =>
      api.session.subscribe(() => {
        queries.clear();
      }),
    [api, queries],
  );
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queries}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}
