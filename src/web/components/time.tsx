/** A moment in the viewer's time zone, with UTC on hover (title) for tickets and logs. */
export function Time({ iso }: { iso: string | undefined }) {
  if (iso === undefined || iso === '') return <span className="muted">—</span>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span>{iso}</span>;
  return (
    <time dateTime={date.toISOString()} title={`${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`}>
      {date.toLocaleString()}
    </time>
  );
}
