/** Deployment (to be built: see issue 14). */
export function DeploymentDetail() {
  return <h1>Deployment</h1>;
}
