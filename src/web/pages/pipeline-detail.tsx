/** Pipeline (to be built: see issue 14). */
export function PipelineDetail() {
  return <h1>Pipeline</h1>;
}
