/** Model (to be built: see issue 14). */
export function ModelDetail() {
  return <h1>Model</h1>;
}
