/** Endpoints (to be built: see issue 14). */
export function EndpointList() {
  return <h1>Endpoints</h1>;
}
