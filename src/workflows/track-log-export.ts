import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type ApiFailureDetails,
  describeExport,
  type ExportStatusSnapshot,
  FailureType,
  type FailureTypeName,
  formatDuration,
  getProgressQuery,
  type LogExportProgress,
  type LogExportResult,
  PERMANENT_API_FAILURES,
  parseTrackLogExportInput,
  pollNowSignal,
  type TrackLogExportInput,
  type TrackLogExportRequest,
} from '../contract/index.js';
import { exportPhase, isKnownStatus, parsePercentage } from './export-progress.js';
import { nextPollDelay } from './polling-policy.js';

/**
 * What a tracker knows, carried across continue-as-new. Times are epoch milliseconds of the
 * workflow clock.
 */
export interface TrackerState {
  startedAt: number;
  deadline: number;
  polls: number;
  status: string | null;
  percentage: number | null;
  createdAt?: string;
  lastPolledAt: number | null;
  /** When the percentage last changed (or tracking started): the stall clock. */
  lastProgressAt: number;
  unchangedPolls: number;
  lastError?: string;
  /** Failed API attempts since the last good answer; the activity's backoff continues from here. */
  failedAttempts: number;
  /** The API asked (Retry-After) or backoff requires that it is not called before this time. */
  retryNotBefore: number | null;
  pollRequested: boolean;
}

/** One attempt is one HTTP request plus, at most, one re-authentication and its retry. */
const POLL_ATTEMPT_TIMEOUT_MS = 30_000;
/**
 * One poll keeps retrying transient API errors for twice maxInterval (at least this long), then
 * the workflow takes back control, records the error for `getProgress`, and polls again later.
 */
const MIN_POLL_RETRY_BUDGET_MS = 2_000;

const { getExportStatus } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: POLL_ATTEMPT_TIMEOUT_MS,
  retry: {
    // The activity sets `nextRetryDelay` on every failure it raises (Retry-After, jittered
    // backoff); these values only cover failures it could not classify.
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [...PERMANENT_API_FAILURES],
  },
});

/**
 * Tracks one CloudDC log export until it completes, fails, times out, stalls or is cancelled.
 * `carried` is only passed by continue-as-new.
 */
export async function trackLogExport(
  input: TrackLogExportInput,
  carried?: TrackerState,
): Promise<LogExportResult> {
  const request = parseTrackLogExportInput(input);
  const state = carried ?? initialState(request);
  let nextPollAt: number | null = null;

  setHandler(getProgressQuery, () => progressOf(state, nextPollAt));
  setHandler(pollNowSignal, () => {
    state.pollRequested = true;
  });

  for (;;) {
    state.pollRequested = false;
    const snapshot = await pollStatus(request, state);
    if (snapshot) {
      const phase = recordSnapshot(state, snapshot);
      if (phase === 'completed') return resultOf(request, state);
      if (phase === 'failed') throw exportFailed(request, state, snapshot);
    }

    const now = Date.now();
    if (now >= state.deadline) throw timedOut(request, state);
    const stallDeadline = state.lastProgressAt + request.policy.stallTimeoutMs;
    if (now >= stallDeadline) throw stalled(request, state);

    const delay = Math.min(
      Math.max(nextPollDelay(request.policy, state, Math.random), (state.retryNotBefore ?? now) - now),
      state.deadline - now,
      stallDeadline - now,
    );
    nextPollAt = now + delay;
    await condition(() => state.pollRequested, delay, {
      summary: `next status poll in ${formatDuration(delay)}`,
    });
    nextPollAt = null;

    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof trackLogExport>(input, state);
    }
  }
}

function initialState(request: TrackLogExportRequest): TrackerState {
  const now = Date.now();
  return {
    startedAt: now,
    deadline: now + request.policy.timeoutMs,
    polls: 0,
    status: null,
    percentage: null,
    lastPolledAt: null,
    lastProgressAt: now,
    unchangedPolls: 0,
    failedAttempts: 0,
    retryNotBefore: null,
    pollRequested: false,
  };
}

/** Returns the API's answer, or undefined after transient errors outlasted this poll's retry budget. */
async function pollStatus(
  request: TrackLogExportRequest,
  state: TrackerState,
): Promise<ExportStatusSnapshot | undefined> {
  const { projectId, serverId, exportId, region } = request;
  const budget = Math.min(
    Math.max(MIN_POLL_RETRY_BUDGET_MS, 2 * request.policy.maxIntervalMs),
    state.deadline - Date.now(),
  );
  try {
    return await getExportStatus.executeWithOptions(
      {
        startToCloseTimeout: POLL_ATTEMPT_TIMEOUT_MS,
        // Even the last poll at the deadline gets a fair chance to answer.
        scheduleToCloseTimeout: Math.max(budget, MIN_POLL_RETRY_BUDGET_MS),
        summary: `poll status of export ${exportId}`,
      },
      [
        {
          projectId,
          serverId,
          exportId,
          ...(region ? { region } : {}),
          failedAttempts: state.failedAttempts,
        },
      ],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && isPermanent(cause.type)) {
      throw ApplicationFailure.create({
        type: cause.type,
        message: cause.message,
        nonRetryable: true,
        details: cause.details ?? undefined,
      });
    }
    const details = cause instanceof ApplicationFailure ? apiFailureDetails(cause) : undefined;
    state.lastError = cause?.message || innermostMessage(err);
    state.failedAttempts = details?.attempt ?? state.failedAttempts + 1;
    state.retryNotBefore = details?.retryInMs ? Date.now() + details.retryInMs : null;
    log.warn('Status poll gave up for now; will poll again', { exportId, error: state.lastError });
    return undefined;
  }
}

function apiFailureDetails(failure: ApplicationFailure): ApiFailureDetails | undefined {
  const [first] = failure.details ?? [];
  return typeof first === 'object' && first !== null && 'attempt' in first
    ? (first as ApiFailureDetails)
    : undefined;
}

function isPermanent(type: string | undefined | null): type is FailureTypeName {
  return PERMANENT_API_FAILURES.some((permanent) => permanent === type);
}

function innermostMessage(err: unknown): string {
  let current: unknown = err;
  let message = String(err);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message;
}

function recordSnapshot(state: TrackerState, snapshot: ExportStatusSnapshot) {
  const now = Date.now();
  const percentage = parsePercentage(snapshot.percentage);
  if (snapshot.percentage !== null && percentage === null) {
    log.warn('Unparseable percentage; keeping the last known value', { percentage: snapshot.percentage });
  }
  if (!isKnownStatus(snapshot.status) && snapshot.status !== state.status) {
    log.warn('Unknown export status word; treating it as in progress', { status: snapshot.status });
  }
  const firstSample = state.polls === 0;
  state.polls += 1;
  state.lastPolledAt = now;
  state.status = snapshot.status;
  if (snapshot.createdAt) state.createdAt = snapshot.createdAt;
  delete state.lastError;
  state.failedAttempts = 0;
  state.retryNotBefore = null;
  if (percentage !== null && (firstSample || percentage !== state.percentage)) {
    state.percentage = percentage;
    state.lastProgressAt = now;
    state.unchangedPolls = 0;
  } else {
    state.unchangedPolls += 1;
  }
  return exportPhase(snapshot.status, percentage);
}

function progressOf(state: TrackerState, nextPollAt: number | null): LogExportProgress {
  return {
    status: state.status,
    percentage: state.percentage,
    polls: state.polls,
    lastPolledAt: isoOrNull(state.lastPolledAt),
    nextPollAt: isoOrNull(nextPollAt),
    startedAt: new Date(state.startedAt).toISOString(),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  };
}

function isoOrNull(millis: number | null): string | null {
  return millis === null ? null : new Date(millis).toISOString();
}

function resultOf(request: TrackLogExportRequest, state: TrackerState): LogExportResult {
  return {
    projectId: request.projectId,
    serverId: request.serverId,
    exportId: request.exportId,
    outcome: 'completed',
    status: state.status ?? '',
    percentage: state.percentage ?? 100,
    ...(state.createdAt ? { createdAt: state.createdAt } : {}),
    startedAt: new Date(state.startedAt).toISOString(),
    completedAt: new Date(Date.now()).toISOString(),
    polls: state.polls,
  };
}

function lastSeen(state: TrackerState): string {
  const status = state.status === null ? 'no status yet' : `status "${state.status}"`;
  const percentage = state.percentage === null ? '' : ` at ${state.percentage}%`;
  const error = state.lastError ? `; last error: ${state.lastError}` : '';
  return `${status}${percentage}${error}`;
}

function exportFailed(request: TrackLogExportRequest, state: TrackerState, snapshot: ExportStatusSnapshot) {
  const requestId = snapshot.requestId ? ` (X-Request-Id ${snapshot.requestId})` : '';
  return ApplicationFailure.create({
    type: FailureType.ExportFailed,
    message: `${describeExport(request)} failed according to the API: ${lastSeen(state)}${requestId}`,
    nonRetryable: true,
    details: [
      { status: snapshot.status, percentage: state.percentage, requestId: snapshot.requestId ?? null },
    ],
  });
}

function timedOut(request: TrackLogExportRequest, state: TrackerState) {
  return ApplicationFailure.create({
    type: FailureType.TimedOut,
    message: `${describeExport(request)} did not finish within ${formatDuration(request.policy.timeoutMs)}: ${lastSeen(state)}`,
    nonRetryable: true,
    details: [{ status: state.status, percentage: state.percentage, polls: state.polls }],
  });
}

function stalled(request: TrackLogExportRequest, state: TrackerState) {
  return ApplicationFailure.create({
    type: FailureType.Stalled,
    message: `${describeExport(request)} made no progress for ${formatDuration(request.policy.stallTimeoutMs)}: ${lastSeen(state)}`,
    nonRetryable: true,
    details: [{ status: state.status, percentage: state.percentage, polls: state.polls }],
  });
}
