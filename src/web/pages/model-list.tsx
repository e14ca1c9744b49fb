/** Models (to be built: see issue 14). */
export function ModelList() {
  return <h1>Models</h1>;
}
