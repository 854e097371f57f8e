/** Placeholder while this view is built: says so rather than pretending. */
export function BackendsView() {
  return (
    <main className="page" aria-labelledby="page-heading">
      <h1 id="page-heading">Backends</h1>
      <p className="muted">Not built yet.</p>
    </main>
  );
}
