/** Datastores (to be built: see issue 14). */
export function DatastoreList() {
  return <h1>Datastores</h1>;
}
