import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  describeCollection,
  type ExportStatusSnapshot,
  FailureType,
  type RequestExportInput,
} from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import { CloudDCApiError } from './clouddc/errors.js';

/** An export the API accepted. */
export type RequestedExport = ExportStatusSnapshot & { exportId: string };

/** What an earlier attempt recorded in its heartbeat when the API accepted. */
const recordedSchema = z.object({
  exportId: z.string().min(1),
  status: z.string().nullable(),
  percentage: z.union([z.string(), z.number()]).nullable(),
  createdAt: z.string().optional(),
  requestId: z.string().optional(),
});

/** Gateway answers that say nothing about whether the service behind it took the request. */
const AMBIGUOUS_STATUSES = new Set([500, 502, 504]);

/**
 * ExportServerLogs, made safe to retry. A retried POST could start a second export, and the API
 * has no call to list exports, so:
 * - the moment the API accepts, the export ID is recorded as heartbeat details, and a later
 *   attempt (after a crash before Temporal heard the result) returns it without calling again;
 * - a failure is retried (by the workflow, one attempt per activity) only when the API provably
 *   did not take the request: it answered 429, 503 or a 4xx, or the connection was refused
 *   before anything was sent;
 * - anything else (a lost answer, a timeout after sending, a 500/502/504, an accepted request
 *   without an export ID) ends with LogExportRequestUncertain instead of asking again.
 */
export function requestExportActivity(deps: ActivityDependencies) {
  return async function requestExport(input: RequestExportInput): Promise<RequestedExport> {
    const context = Context.current();
    const subject = describeCollection(input);
    const earlier = recordedSchema.safeParse(context.info.heartbeatDetails);
    if (earlier.success) {
      context.log.info('Export already accepted by an earlier attempt; not requesting another', {
        exportId: earlier.data.exportId,
      });
      return earlier.data;
    }
    const call = apiCall(deps, subject, input, { serverId: input.serverId });
    try {
      const accepted = await deps.cloudDC.exportServerLogs(call.target, input, call.limits);
      context.heartbeat(accepted);
      return { ...accepted, answeredAt: Date.now() };
    } catch (err) {
      if (!(err instanceof CloudDCApiError)) throw err;
      const { info } = err;
      if (info.mayHaveArrived || (info.httpStatus !== undefined && AMBIGUOUS_STATUSES.has(info.httpStatus))) {
        throw ApplicationFailure.create({
          type: FailureType.LogExportRequestUncertain,
          message: `${subject}: the API may have started an export, but its answer was lost (${info.message}); not asking again, since that could start a second export`,
          nonRetryable: true,
          details: [{ httpStatus: info.httpStatus ?? null, requestId: info.requestId ?? null }],
        });
      }
      throw await call.fail(subject, err, { failedBefore: input.failedAttempts });
    }
  };
}
