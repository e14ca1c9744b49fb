/**
 * The one way an activity fails: an ActivityFailure carries the error record Data Factory shows on the
 * activity run and to `activity('X').error` (spec §2.1). Handlers throw it; the runner records it.
 */
export type FailureType = 'UserError' | 'SystemError';

export class ActivityFailure extends Error {
  readonly errorCode: string;
  readonly failureType: FailureType;
  readonly details: string;
  /** Output recorded on the failed run (a failed WebActivity keeps the response it got). */
  readonly output: unknown;

  constructor(
    errorCode: string,
    message: string,
    options: { failureType?: FailureType; details?: string; output?: unknown } = {},
  ) {
    super(message);
    this.name = 'ActivityFailure';
    this.errorCode = errorCode;
    this.failureType = options.failureType ?? 'UserError';
    this.details = options.details ?? '';
    this.output = options.output;
  }
}
