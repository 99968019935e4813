import { ApplicationFailure } from '@temporalio/common';
import {
  describeExport,
  type ExportRef,
  FailureType,
  type FailureTypeName,
  TransientFailureType,
} from '../contract/index.js';
import type { CloudDCErrorInfo, CloudDCErrorKind } from './clouddc-client.js';
import { type BackoffSettings, throttledRetryDelay, transientRetryDelay } from './retry-delay.js';

const PERMANENT_TYPES: Partial<Record<CloudDCErrorKind, FailureTypeName>> = {
  unauthorized: FailureType.AuthError,
  forbidden: FailureType.PermissionDenied,
  'not-found': FailureType.NotFound,
  'bad-request': FailureType.BadRequest,
  'region-not-served': FailureType.InvalidInput,
};

/**
 * Turns a failed API call into the activity's failure: permanent kinds end the tracker
 * (non-retryable), the rest carry their own `nextRetryDelay` so Temporal waits (Retry-After or
 * jittered backoff) without writing history events.
 */
export function toActivityFailure(
  ref: ExportRef,
  info: CloudDCErrorInfo,
  attempt: number,
  backoff: BackoffSettings,
  random: () => number,
): ApplicationFailure {
  const message = `${describeExport(ref)}: ${info.message}`;
  const details = [
    {
      httpStatus: info.httpStatus ?? null,
      requestId: info.requestId ?? null,
      errorCode: info.errorCode ?? null,
      errorMsg: info.errorMsg ?? null,
    },
  ];
  const permanent = PERMANENT_TYPES[info.kind];
  if (permanent) return ApplicationFailure.create({ type: permanent, message, nonRetryable: true, details });
  if (info.kind === 'throttled') {
    return ApplicationFailure.create({
      type: TransientFailureType.Throttled,
      message,
      details,
      nextRetryDelay: throttledRetryDelay(attempt, info.retryAfterMs, backoff, random),
    });
  }
  return ApplicationFailure.create({
    type:
      info.kind === 'malformed' ? TransientFailureType.MalformedResponse : TransientFailureType.Unavailable,
    message,
    details,
    nextRetryDelay: transientRetryDelay(attempt, backoff, random),
  });
}
