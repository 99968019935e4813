import { Context } from '@temporalio/activity';
import type { ExportStatusRequest, ExportStatusSnapshot } from '../contract/index.js';
import { CloudDCApiError, type CloudDCClient } from './clouddc-client.js';
import { toActivityFailure } from './failures.js';
import { type BackoffSettings, DEFAULT_BACKOFF } from './retry-delay.js';

export interface ActivityDependencies {
  cloudDC: CloudDCClient;
  backoff?: BackoffSettings;
  /** Source of jitter; injectable so tests can pin it. */
  random?: () => number;
}

/** The tracker's activities, bound to their dependencies. */
export function createActivities({
  cloudDC,
  backoff = DEFAULT_BACKOFF,
  random = Math.random,
}: ActivityDependencies) {
  return {
    /** One ShowLogsExportStatus call; every retry is Temporal's, paced by the failure it raises. */
    async getExportStatus(request: ExportStatusRequest): Promise<ExportStatusSnapshot> {
      const context = Context.current();
      try {
        return await cloudDC.showLogsExportStatus(request, context.cancellationSignal);
      } catch (err) {
        if (!(err instanceof CloudDCApiError)) throw err;
        const { attempt, scheduledTimestampMs, scheduleToCloseTimeoutMs } = context.info;
        const failure = toActivityFailure(
          request,
          err.info,
          {
            attempt: (request.failedAttempts ?? 0) + attempt,
            now: Date.now(),
            giveUpAt: scheduleToCloseTimeoutMs
              ? scheduledTimestampMs + scheduleToCloseTimeoutMs
              : Number.POSITIVE_INFINITY,
          },
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
