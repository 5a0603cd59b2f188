/**
 * Problems with a reference a client gave (its format, content, columns, size,
 * or the server-side path it named). The HTTP layer maps each code to a status;
 * configuration loading reports the message with the model's name.
 */

/** Stable codes of reference problems and their HTTP status. */
export const REFERENCE_ERROR_STATUS = {
  bad_request: 400,
  path_not_allowed: 403,
  model_not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  empty_reference: 422,
  invalid_reference: 422,
  unreadable_file: 422,
  missing_columns: 422,
  invalid_schema: 422,
} as const;

export type ReferenceErrorCode = keyof typeof REFERENCE_ERROR_STATUS;

/** A reference that cannot be used, with a code and a message naming what is wrong. */
export class ReferenceInputError extends Error {
  constructor(
    readonly code: ReferenceErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ReferenceInputError';
  }

  get statusCode(): number {
    return REFERENCE_ERROR_STATUS[this.code];
  }
}
