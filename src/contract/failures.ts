/**
 * `ApplicationFailure` types the tracker ends with. Callers match on these strings, so they are
 * part of the public contract and defined nowhere else. Keys equal their values, so code reads
 * the same as the failures it matches.
 */
export const FailureType = {
  /** The API reported a failure status for the export. */
  LogExportFailed: 'LogExportFailed',
  /** The policy's overall timeout passed before the export finished. */
  LogExportTimedOut: 'LogExportTimedOut',
  /** The percentage did not change for the policy's stallTimeout. */
  LogExportStalled: 'LogExportStalled',
  /** The API answered 404 for the server or the export. */
  LogExportNotFound: 'LogExportNotFound',
  /** The API answered 401 again after one re-authentication. */
  CloudDCAuthError: 'CloudDCAuthError',
  /** The API answered 403. */
  CloudDCPermissionDenied: 'CloudDCPermissionDenied',
  /**
   * The API answered 400, another 4xx that retrying cannot fix, or a redirect (never followed:
   * it could carry credentials to another host). Not in the original list; added so such answers
   * are not mistaken for bad input of ours.
   */
  CloudDCBadRequest: 'CloudDCBadRequest',
  /**
   * IAM refused the worker's credentials (wrong password, unknown user or domain, no access to
   * the project): a token could not be had, so the API was never asked.
   */
  CloudDCIamError: 'CloudDCIamError',
  /**
   * Starting an export failed in a way that leaves open whether the API started one (the answer
   * was lost). It is not sent again, since that could start a second export.
   */
  LogExportRequestUncertain: 'LogExportRequestUncertain',
  /** The archive could not be downloaded after the export completed. */
  LogArchiveDownloadFailed: 'LogArchiveDownloadFailed',
  /** The object store has no bucket of the configured name (a setting to fix, not worth retrying). */
  ArchiveBucketNotFound: 'ArchiveBucketNotFound',
  /** The object store refused the worker's credentials or their rights on the bucket. */
  ArchiveAccessDenied: 'ArchiveAccessDenied',
  /** A collection for the same server was already running, so none was started (fleets, child helpers). */
  LogCollectionAlreadyRunning: 'LogCollectionAlreadyRunning',
  /** The tracking child was cancelled, terminated or timed out by someone else. */
  LogExportTrackingStopped: 'LogExportTrackingStopped',
  /** The collection of one server in a fleet was cancelled on its own. */
  LogCollectionCancelled: 'LogCollectionCancelled',
  /** The input (or a region this worker does not serve) was rejected before any API call. */
  InvalidInput: 'InvalidInput',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * Failure types of a single API call that are worth retrying. They never end a tracker: the
 * activity retries them, and the workflow records the last one as `lastError`.
 */
export const TransientFailureType = {
  CloudDCThrottled: 'CloudDCThrottled',
  CloudDCUnavailable: 'CloudDCUnavailable',
  CloudDCMalformedResponse: 'CloudDCMalformedResponse',
  /** IAM could not be reached, or failed, when a token was needed. */
  CloudDCIamUnavailable: 'CloudDCIamUnavailable',
  /** The archive store (an object store, or the archive directory) could not take the archive this time. */
  ArchiveStoreUnavailable: 'ArchiveStoreUnavailable',
} as const;

/** Failures of the archive store that retrying cannot fix; they end the collection at once. */
export const PERMANENT_ARCHIVE_FAILURES: readonly FailureTypeName[] = [
  FailureType.ArchiveBucketNotFound,
  FailureType.ArchiveAccessDenied,
];

/** Failures of an API call that end the tracker at once. */
export const PERMANENT_API_FAILURES: readonly FailureTypeName[] = [
  FailureType.LogExportNotFound,
  FailureType.CloudDCAuthError,
  FailureType.CloudDCPermissionDenied,
  FailureType.CloudDCBadRequest,
  FailureType.CloudDCIamError,
  FailureType.LogExportRequestUncertain,
  FailureType.InvalidInput,
];

/** Failures that end whatever workflow meets them: the API's and the archive store's. */
export const PERMANENT_FAILURES: readonly FailureTypeName[] = [
  ...PERMANENT_API_FAILURES,
  ...PERMANENT_ARCHIVE_FAILURES,
];

const FAILURE_TYPE_NAMES: ReadonlySet<string> = new Set(Object.values(FailureType));

/** One of our failures, as a caller's SDK hands it over (an `ApplicationFailure`). */
export interface LogCollectionFailure extends Error {
  type: FailureTypeName;
}

/**
 * Our failure in an error's cause chain, wherever it sits: a child workflow's caller finds it one
 * level down, a Nexus caller two or three (operation error, then handler or operation failure).
 * Callers match on its `type` instead of on the chain's shape.
 */
export function logCollectionFailureOf(err: unknown): LogCollectionFailure | undefined {
  for (let e = err; e !== null && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: unknown }).type;
    if (e instanceof Error && typeof type === 'string' && FAILURE_TYPE_NAMES.has(type)) {
      return e as LogCollectionFailure;
    }
  }
  return undefined;
}
