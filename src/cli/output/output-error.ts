/**
 * The error a command's output step raises when the user's `--query` or `--output` choice cannot be
 * honoured. It is separate from command failures because az reports these as usage errors: the
 * command itself ran, only printing its result failed.
 */

/** Stable reasons a caller may switch on. */
export type OutputErrorCode = 'InvalidQuery' | 'TableUnavailable';

export class OutputError extends Error {
  override readonly name = 'OutputError';
  readonly code: OutputErrorCode;

  constructor(code: OutputErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
