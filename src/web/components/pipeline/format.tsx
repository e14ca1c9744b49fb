/** Small renderings shared by the pipeline pages: a status badge, a duration, a JSON block. */

export function RunStatus({ status }: { status: string }) {
  return <span className={`run-status run-status-${status}`}>{status}</span>;
}

/** "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Pretty JSON in a labelled, scrollable, keyboard-focusable block. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre className="json" tabIndex={0} aria-label={label}>
      {text}
    </pre>
  );
}
