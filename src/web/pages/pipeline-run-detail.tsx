/** Pipeline run (to be built: see issue 14). */
export function PipelineRunDetail() {
  return <h1>Pipeline run</h1>;
}
