/** Overview (to be built: see issue 14). */
export function Overview() {
  return <h1>Overview</h1>;
}
