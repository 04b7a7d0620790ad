/** Why an expression or template was refused or failed. */
export type ExpressionErrorCode =
  /** Not valid JSONata, or an empty/unterminated `${{ }}`. */
  | 'EXPR_SYNTAX'
  /** Uses something Cairn does not allow (`$eval`, a regex prone to catastrophic backtracking). */
  | 'EXPR_FORBIDDEN'
  /** Failed while evaluating (a type error, a bad function argument, ...). */
  | 'EXPR_EVALUATION'
  /** Ran too long or recursed too deep: almost always an infinite loop. */
  | 'EXPR_LIMIT';

/**
 * A bad expression. `offset` is the character offset inside `expression` where the problem
 * is (0-based), so callers can point at it inside the file.
 */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly code: ExpressionErrorCode,
    readonly expression: string,
    readonly offset: number,
    /** JSONata's own error code (e.g. S0201, T2001, D1012), when it raised the error. */
    readonly jsonataCode?: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}
