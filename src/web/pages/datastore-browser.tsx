/** Datastore (to be built: see issue 14). */
export function DatastoreBrowser() {
  return <h1>Datastore</h1>;
}
