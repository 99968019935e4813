import type { RetryPolicy } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type CollectionProgress,
  type CollectServerLogsInput,
  type CollectServerLogsResult,
  describeExport,
  FailureType,
  getCollectionProgressQuery,
  logExportWorkflowId,
  PERMANENT_API_FAILURES,
  parseCollectServerLogsInput,
} from '../contract/index.js';
import { trackLogExport } from './track-log-export.js';

const retryTransientApiFailures: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [...PERMANENT_API_FAILURES],
};

const { requestExport } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: '30s',
  // Throttling and outages are waited out for a while; a lost answer is never retried (see the activity).
  scheduleToCloseTimeout: '30m',
  retry: retryTransientApiFailures,
  summary: 'request a log export (ExportServerLogs)',
});

const { downloadArchive } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: '2h',
  // Bytes arrive as heartbeats: a download that stalls this long is retried from the start.
  heartbeatTimeout: '1m',
  retry: { ...retryTransientApiFailures, maximumAttempts: 8 },
  summary: 'download the log archive (DownloadServerLogs)',
});

/**
 * Collects one server's logs: requests a new export, tracks it with the `trackLogExport` child
 * (under the export's standard workflow ID, so it shows up on its own), then downloads the
 * archive. Cancelling the collection cancels the tracking.
 */
export async function collectServerLogs(input: CollectServerLogsInput): Promise<CollectServerLogsResult> {
  const progress: CollectionProgress = { phase: 'requesting' };
  setHandler(getCollectionProgressQuery, () => progress);
  const request = parseCollectServerLogsInput(input);
  const { projectId, serverId, region, destination } = request;
  const where = region ? { region } : {};

  const requested = await asOwnFailure(requestExport({ projectId, serverId, ...where }));
  const ref = { projectId, serverId, exportId: requested.exportId };
  Object.assign(progress, { phase: 'tracking', exportId: ref.exportId });

  const tracked = await asOwnFailure(
    executeChild(trackLogExport, {
      workflowId: logExportWorkflowId(ref),
      args: [{ ...ref, ...where, ...(input.policy ? { policy: input.policy } : {}) }],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: describeExport(ref),
    }),
  );

  progress.phase = 'downloading';
  const archive = await asOwnFailure(
    downloadArchive({ ...ref, ...where, ...(destination ? { destination } : {}) }),
    FailureType.LogArchiveDownloadFailed,
  );
  progress.phase = 'done';
  return { ...tracked, archive };
}

/**
 * Ends the collection with the failure of the step that failed, under its own type (so callers
 * see LogExportFailed, not a wrapped child failure), or with `exhaustedType` when a step gave up
 * on retryable errors.
 */
async function asOwnFailure<T>(step: Promise<T>, exhaustedType?: string): Promise<T> {
  try {
    return await step;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
    if (!(cause instanceof ApplicationFailure)) throw err;
    const permanent =
      PERMANENT_API_FAILURES.some((type) => type === cause.type) || err instanceof ChildWorkflowFailure;
    throw ApplicationFailure.create({
      type: permanent || !exhaustedType ? (cause.type ?? exhaustedType) : exhaustedType,
      message: cause.message,
      nonRetryable: true,
      details: cause.details ?? undefined,
    });
  }
}
