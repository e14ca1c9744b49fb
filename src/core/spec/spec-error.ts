/**
 * The one error type for everything wrong with a YAML spec file: unreadable, not YAML, not a mapping,
 * a bad `--set` override, or (later, from validation) a bad field value.
 *
 * Callers branch on the stable `code` and show `message`, which reads like a compiler diagnostic
 * (`endpoint.yml:3:7: field 'auth_mode': ...`) so a user can jump straight to the offending line. The
 * parts are also kept separately so an API response can report them as structured data.
 */

/** Stable machine-readable reasons; clients may switch on these, so never rename one. */
export type SpecErrorCode = 'InvalidSpec' | 'SpecFileNotFound' | 'InvalidSetOverride';

export interface SpecErrorInit {
  code: SpecErrorCode;
  /** What is wrong, without the location prefix. */
  reason: string;
  file?: string | undefined;
  /** 1-based, like editors count. */
  line?: number | undefined;
  /** 1-based. */
  column?: number | undefined;
  /** Dotted field path (`settings.retry_settings.timeout`). */
  field?: string | undefined;
  /** True when the field's value came from `--set` rather than the file, so it has no line. */
  fromSet?: boolean | undefined;
  cause?: unknown;
}

export class SpecError extends Error {
  override readonly name = 'SpecError';
  readonly code: SpecErrorCode;
  readonly reason: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly field: string | undefined;

  constructor(init: SpecErrorInit) {
    super(formatSpecMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.reason = init.reason;
    this.file = init.file;
    this.line = init.line;
    this.column = init.column;
    this.field = init.field;
  }
}

function formatSpecMessage(init: SpecErrorInit): string {
  let where = init.file ?? '';
  if (init.line !== undefined) {
    where += `:${init.line}`;
    if (init.column !== undefined) where += `:${init.column}`;
  }
  const parts: string[] = [];
  if (where !== '') parts.push(where);
  if (init.field !== undefined) {
    parts.push(init.fromSet === true ? `field '${init.field}' (from --set)` : `field '${init.field}'`);
  }
  parts.push(init.reason);
  return parts.join(': ');
}
