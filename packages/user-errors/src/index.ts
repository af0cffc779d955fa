/**
 * An expected business failure (a taken email, an empty order, a price out of range): the
 * mutation answers with it in its payload's `userErrors`, for the client to show next to the
 * field it names, instead of failing with a GraphQL error.
 */
export interface UserErrorData {
  /** The input field at fault (`items.0.productId`), or null when the whole request is. */
  field: string | null;
  message: string;
  /** Stable, machine-readable (`EMAIL_TAKEN`): clients branch on it, never on the message. */
  code: string;
}

/** The failing side of a service result: `{ ok: true, ... } | Failure`. */
export interface Failure {
  ok: false;
  errors: UserErrorData[];
}

export function userError(code: string, message: string, field: string | null = null): UserErrorData {
  return { field, message, code };
}

/** A result that failed with one user error. */
export function failure(code: string, message: string, field: string | null = null): Failure {
  return { ok: false, errors: [userError(code, message, field)] };
}
