/**
 * The first rows of a file as a table that scrolls inside its own box (wide files do not widen the page),
 * with how much of the file it shows.
 */
export type Cell = string | number | boolean | null;

export interface FilePreview {
  path: string;
  format: string;
  size: number;
  columns: string[];
  rows: Cell[][];
  truncated: boolean;
  totalRows?: number;
}

function shown(cell: Cell): string {
  if (cell === null) return '';
  return String(cell);
}

export function PreviewTable({ preview }: { preview: FilePreview }) {
  const of =
    preview.totalRows !== undefined
      ? ` of ${preview.totalRows.toLocaleString()}`
      : preview.truncated
        ? ' (the file has more)'
        : '';
  return (
    <>
      <p className="muted">
        {preview.format.toUpperCase()}: the first {preview.rows.length.toLocaleString()} rows{of}.
      </p>
      <div
        className="table-wrap preview"
        tabIndex={0}
        role="region"
        aria-label={`Preview of ${preview.path}`}
      >
        <table>
          <thead>
            <tr>
              {preview.columns.map((c, i) => (
                <th scope="col" key={`${String(i)}-${c}`}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, r) => (
              <tr key={r}>
                {preview.columns.map((c, i) => (
                  <td key={`${String(i)}-${c}`} className={row[i] === null ? 'muted' : undefined}>
                    {shown(row[i] ?? null)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
