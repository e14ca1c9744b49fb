/** Pipelines (to be built: see issue 14). */
export function PipelineList() {
  return <h1>Pipelines</h1>;
}
