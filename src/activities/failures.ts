import { ApplicationFailure } from '@temporalio/common';
import {
  type ApiFailureDetails,
  FailureType,
  type FailureTypeName,
  TransientFailureType,
} from '../contract/index.js';
import type { CloudDCErrorInfo, CloudDCErrorKind } from './clouddc/errors.js';
import {
  type BackoffSettings,
  heldBackRetryDelay,
  throttledRetryDelay,
  transientRetryDelay,
} from './retry-delay.js';

const PERMANENT_TYPES: Partial<Record<CloudDCErrorKind, FailureTypeName>> = {
  unauthorized: FailureType.CloudDCAuthError,
  forbidden: FailureType.CloudDCPermissionDenied,
  'not-found': FailureType.LogExportNotFound,
  'bad-request': FailureType.CloudDCBadRequest,
  'iam-refused': FailureType.CloudDCIamError,
};

/**
 * The server refuses a retry that would start after the poll's ScheduleToClose deadline, and
 * then reports a bare timeout that has lost the API's error. Giving up this much earlier keeps
 * the decision (and the error) ours.
 */
const GIVE_UP_MARGIN_MS = 1_000;

/**
 * Turns a failed API call into the activity's failure. Permanent kinds end the tracker. The rest
 * carry their own `nextRetryDelay` (Retry-After, or jittered backoff) so Temporal waits without
 * writing history events; when that wait would outlast this poll's retry budget
 * (`giveUpAt`), the failure is made final instead, and the workflow, which reads `retryInMs`
 * from its details, waits at least that long before polling again.
 */
export function toActivityFailure(
  subject: string,
  info: CloudDCErrorInfo,
  retry: { attempt: number; now: number; giveUpAt: number },
  backoff: BackoffSettings,
  random: () => number,
): ApplicationFailure {
  const message = `${subject}: ${info.message}`;
  const permanent = PERMANENT_TYPES[info.kind];
  const retryInMs = permanent
    ? null
    : info.kind === 'held-back'
      ? heldBackRetryDelay(info.retryAfterMs, random)
      : info.kind === 'throttled'
        ? throttledRetryDelay(retry.attempt, info.retryAfterMs, backoff, random)
        : transientRetryDelay(retry.attempt, info.retryAfterMs, backoff, random);
  const details: ApiFailureDetails = {
    httpStatus: info.httpStatus ?? null,
    requestId: info.requestId ?? null,
    errorCode: info.errorCode ?? null,
    errorMsg: info.errorMsg ?? null,
    attempt: retry.attempt,
    retryInMs,
  };
  const type =
    permanent ??
    (info.kind === 'throttled' || info.kind === 'held-back'
      ? TransientFailureType.CloudDCThrottled
      : info.kind === 'malformed'
        ? TransientFailureType.CloudDCMalformedResponse
        : info.kind === 'iam-unavailable'
          ? TransientFailureType.CloudDCIamUnavailable
          : TransientFailureType.CloudDCUnavailable);
  if (retryInMs === null || retry.now + retryInMs + GIVE_UP_MARGIN_MS >= retry.giveUpAt) {
    return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
  }
  return ApplicationFailure.create({ type, message, details: [details], nextRetryDelay: retryInMs });
}
