/** Jobs (to be built: see issue 14). */
export function JobList() {
  return <h1>Jobs</h1>;
}
