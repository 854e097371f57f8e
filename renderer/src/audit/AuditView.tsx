/** Placeholder while this view is built: says so rather than pretending. */
export function AuditView() {
  return (
    <main className="page" aria-labelledby="page-heading">
      <h1 id="page-heading">Audit</h1>
      <p className="muted">Not built yet.</p>
    </main>
  );
}
