import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  describeExport,
  type ExportStatusRequest,
  type ExportStatusSnapshot,
  FailureType,
} from '../contract/index.js';
import { type ApiTarget, CloudDCApiError, type CloudDCClient } from './clouddc-client.js';
import { toActivityFailure } from './failures.js';
import { type BackoffSettings, DEFAULT_BACKOFF } from './retry-delay.js';

export interface ActivityDependencies {
  cloudDC: CloudDCClient;
  /** Where requests for a region go, or undefined for a region this worker does not serve. */
  targetFor: (region: string | undefined) => ApiTarget | undefined;
  backoff?: BackoffSettings;
  /** Source of jitter; injectable so tests can pin it. */
  random?: () => number;
}

/**
 * A request still running when Temporal's own timeout fires would be abandoned, not stopped,
 * and overlap the next attempt. The activity aborts it this much earlier.
 */
const ABORT_MARGIN_MS = 500;

/** The tracker's activities, bound to their dependencies. */
export function createActivities({
  cloudDC,
  targetFor,
  backoff = DEFAULT_BACKOFF,
  random = Math.random,
}: ActivityDependencies) {
  return {
    /** One ShowLogsExportStatus call; every retry is Temporal's, paced by the failure it raises. */
    async getExportStatus(request: ExportStatusRequest): Promise<ExportStatusSnapshot> {
      const context = Context.current();
      const { attempt, scheduledTimestampMs, scheduleToCloseTimeoutMs, startToCloseTimeoutMs } = context.info;
      const target = targetFor(request.region);
      if (target === undefined) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidInput,
          message: `${describeExport(request)}: region ${JSON.stringify(request.region)} is not served by this worker`,
          nonRetryable: true,
        });
      }
      const giveUpAt = scheduleToCloseTimeoutMs
        ? scheduledTimestampMs + scheduleToCloseTimeoutMs
        : Number.POSITIVE_INFINITY;
      const attemptEndsAt = Math.min(giveUpAt, Date.now() + startToCloseTimeoutMs);
      const signal = AbortSignal.any([
        context.cancellationSignal,
        AbortSignal.timeout(Math.max(1, attemptEndsAt - Date.now() - ABORT_MARGIN_MS)),
      ]);
      try {
        return await cloudDC.showLogsExportStatus(target, request, signal);
      } catch (err) {
        if (!(err instanceof CloudDCApiError)) throw err;
        const failure = toActivityFailure(
          request,
          err.info,
          { attempt: (request.failedAttempts ?? 0) + attempt, now: Date.now(), giveUpAt },
          backoff,
          random,
        );
        context.log.warn('CloudDC status poll failed', {
          exportId: request.exportId,
          failureType: failure.type,
          httpStatus: err.info.httpStatus,
          requestId: err.info.requestId,
          errorCode: err.info.errorCode,
          retryInMs: failure.nextRetryDelay ?? null,
          final: failure.nonRetryable,
          error: err.info.message,
        });
        throw failure;
      }
    },
  };
}

export type TrackerActivities = ReturnType<typeof createActivities>;
