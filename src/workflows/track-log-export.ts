import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type ExportStatusSnapshot,
  extendedDeadline,
  extendTimeoutUpdate,
  FailureType,
  formatDuration,
  getProgressQuery,
  invalidInput,
  type LogExportResult,
  PACED_ACTIVITY,
  PERMANENT_API_FAILURES,
  type PollStanding,
  parseTrackLogExportInput,
  pollNowSignal,
  statusPollPriority,
  type TrackerStatus,
  type TrackLogExportInput,
  type TrackLogExportRequest,
  TransientFailureType,
} from '../contract/index.js';
import { apiFailureDetails, isPermanent } from './activity-failures.js';
import { countReleasedCallers } from './nexus-callers.js';
import { QueueWaitLimit, scheduledUntilPickedUp } from './queue-wait.js';
import { countEnded, countPoll, countStarted, recordDetectionWindow } from './tracker/metrics.js';
import { completed, exportFailed, stalled, timedOut } from './tracker/outcomes.js';
import { budgetAllowsAt, spend } from './tracker/poll-budget.js';
import { nextPollAt } from './tracker/polling-policy.js';
import { indexTracker } from './tracker/search-index.js';
import {
  currentDetails,
  initialState,
  progressOf,
  readingTime,
  recordFailedPoll,
  recordReading,
  recordSnapshot,
  type SnapshotEffect,
  type TrackerState,
  trackerStateSchema,
} from './tracker/state.js';
import { type PlacedPoll, placePoll } from './tracker/urgency.js';

/** One attempt is one HTTP request plus, at most, one re-authentication and its retry. */
const POLL_ATTEMPT_TIMEOUT_MS = 30_000;
/**
 * One poll keeps retrying transient API errors for twice maxInterval, within these bounds; then
 * the workflow takes back control, records the error for `getProgress`, and polls again later.
 * Backoff carries over between polls, so a short budget costs history events, not API calls.
 */
const POLL_RETRY_BUDGET_MS = { min: 2_000, max: 120_000 };

/**
 * Trackers that reach a deadline without budget left end there instead of polling once more; runs
 * started before the budget existed keep polling at their deadlines, as their histories record.
 */
const BUDGET_AT_DEADLINES = 'poll-budget-at-deadlines';

/**
 * A routine poll still in its project's queue at the predicted end is overtaken by the urgent
 * poll; runs started before sent each routine poll alone, with no timer beside it, as their
 * histories record.
 */
const ROUTINE_POLLS_OVERTAKEN = 'routine-polls-overtaken';

/** Whether this worker's namespace has our search attributes; asked once per tracker. */
const { searchAttributesAvailable } = proxyLocalActivities<TrackerActivities>({ startToCloseTimeout: '10s' });

const { getExportStatus } = proxyActivities<TrackerActivities>({
  ...PACED_ACTIVITY,
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
  let state: TrackerState | undefined;
  let nextPollAt: number | null = null;
  const runStartedAt = workflowInfo().runStartTime.getTime();
  setHandler(getProgressQuery, () => progressOf(state, nextPollAt, runStartedAt));

  const request = parseTrackLogExportInput(input);
  const s = carried === undefined ? initialState(request, Date.now(), false) : parseCarriedState(carried);
  state = s;
  // Before anything is awaited, so a signal or update sent with the start is not turned away.
  steer(s);
  if (carried === undefined) {
    countStarted();
    s.index.enabled = await searchAttributesAvailable();
  }
  const startedWithReading = carried === undefined && recordAccepted(request, s);
  indexTracker(s, request, s.status === null ? 'pending' : 'running');
  try {
    const result = await track(
      request,
      input,
      s,
      (at) => {
        nextPollAt = at;
      },
      startedWithReading,
    );
    countEnded('completed');
    return result;
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) {
      const status = endStatusOf(err);
      indexTracker(s, request, status);
      countEnded(status);
    }
    throw err;
  }
}

/** The operator's and callers' handles on a tracker: pollNow, extendTimeout, released Nexus callers. */
function steer(s: TrackerState): void {
  setHandler(pollNowSignal, () => {
    s.pollRequested = true;
  });
  countReleasedCallers(s);
  setHandler(
    extendTimeoutUpdate,
    (extension) => {
      s.deadline = extendedDeadline(extension, s.deadline, Date.now());
      return { deadline: new Date(s.deadline).toISOString() };
    },
    // Checked before the update is accepted, so a bad request leaves no trace in history.
    { validator: (extension) => void extendedDeadline(extension, s.deadline, Date.now()) },
  );
}

/** The search-attribute status a tracker ends with, from how it ended. */
function endStatusOf(err: unknown): TrackerStatus {
  if (isCancellation(err)) return 'cancelled';
  const type = err instanceof ApplicationFailure ? err.type : undefined;
  if (type === FailureType.LogExportTimedOut) return 'timed-out';
  if (type === FailureType.LogExportStalled) return 'stalled';
  return 'failed';
}

async function track(
  request: TrackLogExportRequest,
  input: TrackLogExportInput,
  s: TrackerState,
  setNextPollAt: (at: number | null) => void,
  startedWithReading: boolean,
): Promise<LogExportResult> {
  const queueWait = new QueueWaitLimit(request.policy.maxIntervalMs);
  let readingInHand = startedWithReading;
  for (;;) {
    const stallDeadline = s.lastProgressAt + request.policy.stallTimeoutMs;
    // An operator's pollNow, and the retry of a poll the API refused, are outside the budget.
    const onBudget = !s.pollRequested && !s.refused;
    // At a deadline the tracker ends without calling an API that asked not to be called yet, or
    // that its budget does not allow.
    if (
      (s.retryNotBefore !== null && s.retryNotBefore > Date.now()) ||
      (onBudget && budgetAllowsAt(s.pollBudget, request.policy) > Date.now() && patched(BUDGET_AT_DEADLINES))
    ) {
      if (Date.now() >= s.deadline) throw timedOut(request, s);
      if (Date.now() >= stallDeadline) throw stalled(request, s);
    }

    s.pollRequested = false;
    if (!readingInHand) {
      const sentAt = Date.now();
      if (onBudget) s.pollBudget = spend(s.pollBudget, request.policy, sentAt);
      const result = onBudget
        ? await placedPoll(request, s, queueWait, placePoll(s, request.policy, sentAt))
        : await pollOnce(request, s, queueWait, s.refused ? 'refused' : 'asked');
      // Overtaken (at the predicted end, or as the window opened): the next poll goes now.
      if (result === OVERTAKEN) continue;
      if (result) return result;
    }
    readingInHand = false;

    indexTracker(s, request, 'running');
    const now = Date.now();
    if (now >= s.deadline) throw timedOut(request, s);
    if (now >= stallDeadline) throw stalled(request, s);

    // pollNow may cut the policy's wait short, never the API's Retry-After or our backoff. A
    // refused poll is due exactly when the API said (or the backoff), not at the policy's pace.
    const earliest = Math.min(s.retryNotBefore ?? now, s.deadline, stallDeadline);
    const policyWakeAt =
      s.refused && s.retryNotBefore !== null
        ? s.retryNotBefore
        : nextPollAt(request.policy, s, now, Math.random);
    const wakeAt = Math.min(Math.max(policyWakeAt, earliest), s.deadline, stallDeadline);
    setNextPollAt(wakeAt);
    setCurrentDetails(currentDetails(s, wakeAt));
    await condition(() => s.pollRequested, wakeAt - now, {
      summary: `next status poll in ${formatDuration(wakeAt - now)}`,
    });
    if (Date.now() < earliest) {
      await sleep(earliest - Date.now(), { summary: 'the API asked to wait before the next call' });
    }
    setNextPollAt(null);

    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof trackLogExport>(input, s);
    }
  }
}

const OVERTAKEN = Symbol('overtaken by a poll ahead of it');

/**
 * A poll the policy placed, where `placePoll` stands it. One that can be overtaken waits with the
 * project's other calls, and if it still waits for its turn when it is overtaken (the predicted
 * end, or the window opening while window polls are left), it is cancelled and `OVERTAKEN`
 * returned: the next poll goes at once, ahead of it (`urgency.ts`). So no routine poll holds up
 * the end. A cancelled poll the server had already handed to a worker is answered and dropped:
 * one call spent at most.
 */
async function placedPoll(
  request: TrackLogExportRequest,
  s: TrackerState,
  queueWait: QueueWaitLimit,
  { standing, overtakenAt }: PlacedPoll,
): Promise<LogExportResult | undefined | typeof OVERTAKEN> {
  // Nothing would overtake it. Checked before the patch is asked for, as it always was: asked at
  // the first poll, in the task that resolves the local activity, its marker did not replay (a
  // query on a closed tracker failed with a nondeterminism error in
  // test/integration/api-faults.test.ts).
  if (overtakenAt === null) return pollOnce(request, s, queueWait, standing);
  if (!patched(ROUTINE_POLLS_OVERTAKEN)) return pollOnce(request, s, queueWait, 'unforetold');
  let settled: { value: LogExportResult | undefined } | { error: unknown } | undefined;
  const scope = new CancellationScope();
  const polled = scope
    .run(() => pollOnce(request, s, queueWait, standing))
    .then(
      (value) => {
        settled = { value };
      },
      (error: unknown) => {
        settled = { error };
      },
    );
  if (!(await condition(() => settled !== undefined, Math.max(1, overtakenAt - Date.now())))) {
    scope.cancel();
    await polled;
  }
  const outcome = settled as NonNullable<typeof settled>;
  if ('value' in outcome) return outcome.value;
  if (isCancellation(outcome.error) && !CancellationScope.current().consideredCancelled) return OVERTAKEN;
  throw outcome.error;
}

/** Polls once: the result once the export has completed, undefined while it runs. */
async function pollOnce(
  request: TrackLogExportRequest,
  s: TrackerState,
  queueWait: QueueWaitLimit,
  standing: PollStanding,
): Promise<LogExportResult | undefined> {
  const previousPollAt = s.lastPolledAt;
  const sentAt = Date.now();
  const snapshot = await pollStatus(request, s, queueWait, standing);
  countPoll(snapshot !== undefined);
  if (!snapshot) return undefined;
  const effect = recordSnapshot(s, snapshot, readingTime(snapshot, sentAt, Date.now()));
  if (effect.phase !== 'running' && previousPollAt !== null) {
    recordDetectionWindow(Date.now() - previousPollAt, effect.phase);
  }
  logOddities(effect);
  if (effect.phase === 'completed') {
    indexTracker(s, request, 'completed');
    return completed(request, s, Date.now());
  }
  if (effect.phase === 'failed') throw exportFailed(request, s, snapshot.requestId);
  return undefined;
}

function logOddities(effect: SnapshotEffect): void {
  if (effect.newUnknownStatus !== undefined) {
    log.warn('Unknown export status word; treating it as in progress', {
      status: effect.newUnknownStatus,
    });
  }
  if (effect.unreadablePercentage !== undefined) {
    log.warn('Unreadable percentage; keeping the last known value', {
      percentage: effect.unreadablePercentage,
    });
  }
}

/**
 * Takes the export request's answer, when the caller passed it, as the first reading: true when
 * it says the export is running, so the first poll can wait for the policy's delay. Anything
 * else (done already, or unreadable) is left for a poll to confirm at once.
 */
function recordAccepted(request: TrackLogExportRequest, s: TrackerState): boolean {
  if (!request.accepted) return false;
  // Answered before the tracker started, by the time its collection took to start it; an answer
  // older than the policy's longest wait is no first reading to time a pace from.
  const now = Date.now();
  const effect = recordReading(
    s,
    request.accepted,
    readingTime(request.accepted, now - request.policy.maxIntervalMs, now),
  );
  logOddities(effect);
  return effect.phase === 'running' && s.percentage !== null;
}

function parseCarriedState(carried: unknown): TrackerState {
  const parsed = trackerStateSchema.safeParse(carried);
  if (parsed.success) return parsed.data;
  throw invalidInput(
    `Invalid input: the second argument is the state continue-as-new carries, not for callers (${parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')})`,
  );
}

/** Returns the API's answer, or undefined after transient errors outlasted this poll's retry budget. */
async function pollStatus(
  request: TrackLogExportRequest,
  state: TrackerState,
  queueWait: QueueWaitLimit,
  standing: PollStanding,
): Promise<ExportStatusSnapshot | undefined> {
  const { projectId, serverId, exportId, region } = request;
  const budget = Math.min(
    POLL_RETRY_BUDGET_MS.max,
    Math.max(POLL_RETRY_BUDGET_MS.min, 2 * request.policy.maxIntervalMs),
    state.deadline - Date.now(),
  );
  try {
    return await scheduledUntilPickedUp(
      queueWait,
      `The status poll of export ${exportId}`,
      (scheduleToStartTimeoutMs) =>
        getExportStatus.executeWithOptions(
          {
            startToCloseTimeout: POLL_ATTEMPT_TIMEOUT_MS,
            // A poll may wait for its project's turn until the tracker's deadline; its retry
            // budget runs from the API's first failure. Even the last poll at the deadline gets a
            // fair chance to answer.
            scheduleToCloseTimeout: Math.max(state.deadline - Date.now(), POLL_RETRY_BUDGET_MS.min),
            scheduleToStartTimeout: scheduleToStartTimeoutMs,
            summary: `poll status of export ${exportId}`,
            priority: statusPollPriority(projectId, standing),
          },
          [
            {
              projectId,
              serverId,
              exportId,
              ...(region ? { region } : {}),
              failedAttempts: state.failedAttempts,
              retryBudgetMs: Math.max(budget, POLL_RETRY_BUDGET_MS.min),
            },
          ],
        ),
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
    recordFailedPoll(
      state,
      {
        message: cause?.message || innermostMessage(err),
        ...details,
        refused: cause instanceof ApplicationFailure && cause.type === TransientFailureType.CloudDCThrottled,
      },
      Date.now(),
    );
    log.warn('Status poll refused or gave up for now; will poll again', { exportId, error: state.lastError });
    return undefined;
  }
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
