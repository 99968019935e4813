import type { RetryPolicy } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type CollectionProgress,
  type CollectServerLogsInput,
  type CollectServerLogsResult,
  describeCollection,
  describeExport,
  exportRequestPriority,
  FailureType,
  getCollectionProgressQuery,
  logExportWorkflowId,
  PACED_ACTIVITY,
  PERMANENT_API_FAILURES,
  PERMANENT_FAILURES,
  parseCollectServerLogsInput,
  projectPriority,
  type RequestExportInput,
  resolvePolicy,
  TransientFailureType,
  WorkflowType,
} from '../contract/index.js';
import { apiFailureDetails, isPermanent } from './activity-failures.js';
import { runChild } from './cancellable-child.js';
import { countReleasedCallers } from './nexus-callers.js';
import { QueueWaitLimit, scheduledUntilPickedUp } from './queue-wait.js';
import type { trackLogExport } from './track-log-export.js';

const retryTransientApiFailures: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [...PERMANENT_API_FAILURES],
};

/**
 * One attempt per activity: the workflow decides about every retry of ExportServerLogs itself
 * (see `requestExportOnce`), so no retry can be made that might start a second export.
 */
const { requestExport } = proxyActivities<TrackerActivities>({
  ...PACED_ACTIVITY,
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
  summary: 'request a log export (ExportServerLogs)',
});

/** How long throttling and outages of ExportServerLogs are waited out. */
const REQUEST_PATIENCE_MS = 30 * 60_000;

const { downloadArchive } = proxyActivities<TrackerActivities>({
  ...PACED_ACTIVITY,
  startToCloseTimeout: '2h',
  // Bytes arrive as heartbeats: a download that stalls this long, or whose worker died, is
  // retried from the start by another worker.
  heartbeatTimeout: '20s',
  retry: {
    ...retryTransientApiFailures,
    maximumAttempts: 8,
    nonRetryableErrorTypes: [...PERMANENT_FAILURES],
  },
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
  countReleasedCallers({ nexusCallersReleased: 0 });
  const request = parseCollectServerLogsInput(input);
  const { projectId, serverId, region, destination } = request;
  const where = region ? { region } : {};

  const queueWait = new QueueWaitLimit(resolvePolicy(request.policy).maxIntervalMs);
  const { requested, answeredNow } = await asOwnFailure(
    requestExportOnce({ projectId, serverId, ...where }, queueWait),
  );
  // The answer just received is the export's first reading; one recovered from a heartbeat is
  // as old as the attempt that timed out, and is left out.
  const accepted = answeredNow
    ? {
        status: requested.status,
        percentage: requested.percentage,
        ...(requested.createdAt ? { createdAt: requested.createdAt } : {}),
        ...(requested.answeredAt !== undefined ? { answeredAt: requested.answeredAt } : {}),
      }
    : undefined;
  const ref = { projectId, serverId, exportId: requested.exportId };
  Object.assign(progress, {
    phase: 'tracking',
    exportId: ref.exportId,
    trackerWorkflowId: logExportWorkflowId(ref),
  });

  const tracked = await asOwnFailure(
    runChild<typeof trackLogExport>(WorkflowType.TrackLogExport, {
      workflowId: logExportWorkflowId(ref),
      args: [
        {
          ...ref,
          ...where,
          ...(input.policy ? { policy: input.policy } : {}),
          ...(accepted ? { accepted } : {}),
        },
      ],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: describeExport(ref),
    }),
  );

  progress.phase = 'downloading';
  const archive = await asOwnFailure(
    scheduledUntilPickedUp(queueWait, 'The download', (scheduleToStartTimeoutMs) =>
      downloadArchive.executeWithOptions(
        { priority: projectPriority(projectId), scheduleToStartTimeout: scheduleToStartTimeoutMs },
        [{ ...ref, ...where, ...(destination ? { destination } : {}) }],
      ),
    ),
    FailureType.LogArchiveDownloadFailed,
  );
  progress.phase = 'done';
  return { ...tracked, archive };
}

/**
 * Starts exactly one export. An attempt the API answered with an error is retried after the delay
 * the activity computed (Retry-After, backoff). An attempt that timed out (the worker died, say)
 * is recovered from its heartbeat, where the activity records the export the moment the API
 * accepts it; with nothing recorded it is not retried, since the API may have accepted it.
 * `answeredNow` says whether the answer is fresh, or recovered from that heartbeat.
 */
async function requestExportOnce(input: RequestExportInput, queueWait: QueueWaitLimit) {
  const giveUpAt = Date.now() + REQUEST_PATIENCE_MS;
  let failedAttempts = 0;
  let refused = false;
  for (;;) {
    try {
      // A task that never reached a worker never called the API: scheduling it again is safe.
      const requested = await scheduledUntilPickedUp(
        queueWait,
        'The export request',
        (scheduleToStartTimeoutMs) =>
          requestExport.executeWithOptions(
            {
              priority: exportRequestPriority(input.projectId, refused, workflowInfo().priority?.priorityKey),
              scheduleToStartTimeout: scheduleToStartTimeoutMs,
            },
            [{ ...input, failedAttempts }],
          ),
      );
      return { requested, answeredNow: true };
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      if (cause instanceof TimeoutFailure) {
        const recorded = cause.lastHeartbeatDetails as { exportId?: unknown } | undefined;
        if (recorded && typeof recorded.exportId === 'string')
          return { requested: recorded as Awaited<ReturnType<typeof requestExport>>, answeredNow: false };
        throw ApplicationFailure.create({
          type: FailureType.LogExportRequestUncertain,
          message: `${describeCollection(input)}: the export request timed out without a recorded answer (${cause.message}); not asking again, since the API may have started an export`,
          nonRetryable: true,
        });
      }
      if (!(cause instanceof ApplicationFailure) || cause.nonRetryable || Date.now() >= giveUpAt) throw err;
      const details = apiFailureDetails(cause);
      failedAttempts = details?.attempt ?? failedAttempts + 1;
      refused = cause.type === TransientFailureType.CloudDCThrottled;
      await sleep(details?.retryInMs ?? 2_000, { summary: 'the API asked to wait before requesting again' });
    }
  }
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
    // Only the collection's own cancellation ends it as cancelled; a child cancelled from outside
    // is a failure of this collection like any other.
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) throw err;
    const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
    if (!(cause instanceof ApplicationFailure)) {
      // A timed-out activity, or a tracker cancelled, terminated or timed out by someone else.
      throw ApplicationFailure.create({
        type: exhaustedType ?? FailureType.LogExportTrackingStopped,
        message: `${(err as Error).message}: ${(cause as Error | undefined)?.message ?? 'no details'}`,
        nonRetryable: true,
      });
    }
    const ownType = isPermanent(cause.type) || err instanceof ChildWorkflowFailure || !exhaustedType;
    throw ApplicationFailure.create({
      type: ownType ? (cause.type ?? exhaustedType) : exhaustedType,
      message: cause.message,
      nonRetryable: true,
      details: cause.details ?? undefined,
    });
  }
}
