/** Audit log (to be built: see issue 14). */
export function AuditLog() {
  return <h1>Audit log</h1>;
}
