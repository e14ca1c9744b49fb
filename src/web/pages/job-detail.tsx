/** Job (to be built: see issue 14). */
export function JobDetail() {
  return <h1>Job</h1>;
}
