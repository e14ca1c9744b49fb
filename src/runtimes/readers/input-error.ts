/**
 * The one error every reader throws for a bad input file. A runtime fails just that item with the
 * message, so the message must stand on its own: it opens the way Azure's no-code driver does
 * (`Error processing input file: '<path>'.`) and then names the line and column when they are known.
 */

export type InputErrorCode = 'UnsupportedFileType' | 'MalformedInput' | 'MissingColumns' | 'UnreadableInput';

export interface InputErrorPlace {
  /** 1-based physical line in the file (the header is line 1), for text formats. */
  line?: number;
  /** 0-based data row within the file, for formats without lines (Parquet). */
  row?: number;
  column?: string;
}

export class InputFileError extends Error {
  readonly code: InputErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly row: number | undefined;
  readonly column: string | undefined;
  readonly detail: string;

  constructor(code: InputErrorCode, file: string, detail: string, place: InputErrorPlace = {}) {
    super(`Error processing input file: '${file}'. ${describePlace(place)}${detail}`);
    this.name = 'InputFileError';
    this.code = code;
    this.file = file;
    this.detail = detail;
    this.line = place.line;
    this.row = place.row;
    this.column = place.column;
  }
}

/**
 * A reader of a range of a file (see core/row-ranges.ts) counts lines from the range's start, which
 * would misplace an error; the row index it knows is the file's, so the error names that instead.
 */
export function placedAtRow(error: unknown, row: number): unknown {
  if (!(error instanceof InputFileError) || error.line === undefined) return error;
  const column = error.column === undefined ? {} : { column: error.column };
  return new InputFileError(error.code, error.file, error.detail, { row, ...column });
}

function describePlace(place: InputErrorPlace): string {
  const parts: string[] = [];
  if (place.line !== undefined) parts.push(`Line ${place.line}`);
  if (place.row !== undefined) parts.push(`Row ${place.row}`);
  if (place.column !== undefined) parts.push(`column '${place.column}'`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
