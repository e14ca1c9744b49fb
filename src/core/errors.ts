/**
 * Domain errors. Every failure a user can cause is one of these classes, with a stable `code` and an HTTP
 * status; the API maps them to the ARM error envelope in one place and the CLI prints their message.
 * Domain code never builds HTTP responses itself.
 */

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(code: string, status: number, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** Bad input: the message names the field and the fix. */
export class ValidationError extends DomainError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, details: ErrorDetail[] = []) {
    const all = field && details.length === 0 ? [{ code: 'InvalidValue', message, target: field }] : details;
    super('UserError', 400, message, all);
    this.field = field;
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('ResourceNotFound', 404, message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, code = 'Conflict') {
    super(code, 409, message);
  }
}

export class NotSupportedError extends DomainError {
  constructor(message: string) {
    super('NotSupported', 400, message);
  }
}

/** A second server on the same data dir, or another start-up precondition that is not met. */
export class StartupError extends DomainError {
  constructor(message: string) {
    super('StartupError', 500, message);
  }
}
