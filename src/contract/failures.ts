/**
 * `ApplicationFailure` types the tracker ends with. Callers match on these strings, so they are
 * part of the public contract and defined nowhere else.
 */
export const FailureType = {
  /** The API reported a failure status for the export. */
  ExportFailed: 'LogExportFailed',
  /** The policy's overall timeout passed before the export finished. */
  TimedOut: 'LogExportTimedOut',
  /** The percentage did not change for the policy's stallTimeout. */
  Stalled: 'LogExportStalled',
  /** The API answered 404 for the server or the export. */
  NotFound: 'LogExportNotFound',
  /** The API answered 401 again after one re-authentication. */
  AuthError: 'CloudDCAuthError',
  /** The API answered 403. */
  PermissionDenied: 'CloudDCPermissionDenied',
  /** The input was rejected before any API call. */
  InvalidInput: 'InvalidInput',
  /** The API answered 400 or another 4xx that retrying cannot fix. */
  BadRequest: 'CloudDCBadRequest',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * Failure types of a single API call that are worth retrying. They never end a tracker: the
 * activity retries them, and the workflow records the last one as `lastError`.
 */
export const TransientFailureType = {
  Throttled: 'CloudDCThrottled',
  Unavailable: 'CloudDCUnavailable',
  MalformedResponse: 'CloudDCMalformedResponse',
} as const;

/** Failures of an API call that end the tracker at once. */
export const PERMANENT_API_FAILURES: readonly FailureTypeName[] = [
  FailureType.NotFound,
  FailureType.AuthError,
  FailureType.PermissionDenied,
  FailureType.BadRequest,
  FailureType.InvalidInput,
];
