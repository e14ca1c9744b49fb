/** Data assets (to be built: see issue 14). */
export function DataAssets() {
  return <h1>Data assets</h1>;
}
