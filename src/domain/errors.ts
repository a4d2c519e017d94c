// Typed errors with a stable id. The id is the contract with clients (it
// never changes once published); the message is for people. The API maps
// `kind` to an HTTP status in one place (src/api/plugins/errors.ts).

export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'not_allowed'
  | 'conflict'
  | 'gone'
  /** 413, 415: an upload too large, or of a type refused */
  | 'too_large'
  | 'unsupported'
  | 'unprocessable'
  | 'locked'
  | 'too_many'
  | 'unavailable'
  /** Our failure, named (a client can do nothing about it but report it). */
  | 'internal';

export interface FieldProblem {
  /** Where the problem is: a JSON pointer into the request, or a column name in an import. */
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
  /** For 423 and 429: when to try again (sent as Retry-After). */
  retryAfterSeconds?: number;
  constructor(
    readonly id: string,
    readonly kind: ErrorKind,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
  }
}

export const invalid = (id: string, message: string, fields?: FieldProblem[]) => new AppError(id, 'invalid', message, fields);
export const notFound = (id: string, message: string) => new AppError(id, 'not_found', message);
export const conflict = (id: string, message: string) => new AppError(id, 'conflict', message);

/** Throws one 400 naming every field with a problem (nothing, when there is none). */
export function invalidFields(problems: readonly FieldProblem[] | undefined, id = 'validation_failed'): void {
  if (problems?.length) throw invalid(id, problems.map((p) => `${p.field} ${p.message}`).join('; '), [...problems]);
}
