/** Endpoint (to be built: see issue 14). */
export function EndpointDetail() {
  return <h1>Endpoint</h1>;
}
