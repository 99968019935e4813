import { Context } from '@temporalio/activity';
import type { ApplicationFailure } from '@temporalio/common';
import { invalidInput, type ThrottleReport } from '../contract/index.js';
import type { ProjectRateLimiter } from '../request-budget/worker-limiter.js';
import type { ArchiveSink } from './archive/sink.js';
import type { CloudDCClient } from './clouddc/client.js';
import { CloudDCApiError, isGatewayQuotaRefusal } from './clouddc/errors.js';
import type { ApiTarget, CallLimits } from './clouddc/transport.js';
import { toActivityFailure } from './failures.js';
import type { ApiMetrics } from './metrics.js';
import { type BackoffSettings, DEFAULT_BACKOFF } from './retry-delay.js';

export interface ActivityDependencies {
  cloudDC: CloudDCClient;
  /** Where requests for a region go, or undefined for a region this worker does not serve. */
  targetFor: (region: string | undefined) => ApiTarget | undefined;
  /** Where downloaded archives are kept. */
  archives: ArchiveSink;
  /** Whether the namespace has our search attributes (checked by the worker at start-up). */
  searchIndex?: boolean;
  backoff?: BackoffSettings;
  /** Source of jitter; injectable so tests can pin it. */
  random?: () => number;
  /** Traffic counters (the worker's Prometheus endpoint); none by default. */
  metrics?: ApiMetrics;
  /**
   * Tells the project's budget keeper (`projectRateLimit`) about a 429 of the gateway, when
   * Temporal holds the per-project budgets; see `throttle-report.ts`.
   */
  reportThrottle?: (report: ThrottleReport) => Promise<void>;
  /** The in-process limiter the client paces with, when the server cannot; it counts our own waits. */
  localRateLimiter?: ProjectRateLimiter;
  /** Told of each call's project; tells its keeper when the worker lags (`lag-report.ts`). */
  reportLag?: (projectId: string) => void;
}

/**
 * A request still running when Temporal's own timeout fires would be abandoned, not stopped,
 * and overlap the next attempt. The activity aborts it this much earlier.
 */
const ABORT_MARGIN_MS = 500;

/** What every API-calling activity needs for one attempt: where to send it, and when to stop. */
export interface ApiCall {
  target: ApiTarget;
  /**
   * For the client: a signal that fires on cancellation and just before this attempt's Temporal
   * deadline, and the latest time worth waiting for a turn under the rate limit (half the attempt).
   */
  limits: CallLimits;
  /**
   * Turns an API error into this activity's failure (retry delay, or final), after reporting a
   * gateway 429 to the project's budget keeper. With `throttleToWorkflow`, a 429 ends the attempt
   * and the workflow schedules the retry itself, ahead of the project's queue.
   */
  fail(
    subject: string,
    err: CloudDCApiError,
    options?: { failedBefore?: number; throttleToWorkflow?: boolean },
  ): Promise<ApplicationFailure>;
  /** Runs one request of the client; an API error it throws becomes this activity's failure (`fail`). */
  send<T>(
    request: () => Promise<T>,
    options?: { failedBefore?: number; throttleToWorkflow?: boolean },
  ): Promise<T>;
}

/** What a call's retries remember in the activity's heartbeat: when the API first failed it. */
interface FirstFailure {
  firstFailedAt: number;
}

export function apiCall(
  deps: ActivityDependencies,
  subject: string,
  {
    projectId,
    region,
    retryBudgetMs,
  }: {
    projectId: string;
    region?: string | undefined;
    /**
     * Retries of API failures end this long after the first one, not after the activity was
     * scheduled: it may wait for its project's turn on the server (or in this worker's own
     * limiter) for a long time first, and waiting for a turn is never a failure.
     */
    retryBudgetMs?: number | undefined;
  },
  /** Added to this call's log lines, e.g. the export ID, so logs can be searched by it. */
  logFields: Record<string, string> = {},
): ApiCall {
  const context = Context.current();
  const { attempt, scheduledTimestampMs, scheduleToCloseTimeoutMs, startToCloseTimeoutMs, activityId } =
    context.info;
  deps.reportLag?.(projectId);
  const execution = context.info.workflowExecution;
  const ticket = `${execution?.workflowId}/${execution?.runId}/${activityId}`;
  if (attempt > 1) {
    // Tagged with the activity type by the SDK's activity meter.
    context.metricMeter
      .createCounter('clouddc_activity_retries', 'attempts', 'Retried CloudDC activity attempts')
      .add(1);
  }
  const target = deps.targetFor(region);
  if (target === undefined) {
    throw invalidInput(`${subject}: region ${JSON.stringify(region)} is not served by this worker`);
  }
  const giveUpAt = scheduleToCloseTimeoutMs
    ? scheduledTimestampMs + scheduleToCloseTimeoutMs
    : Number.POSITIVE_INFINITY;
  const attemptEndsAt = Math.min(giveUpAt, Date.now() + startToCloseTimeoutMs);
  const usable = Math.max(1, attemptEndsAt - Date.now() - ABORT_MARGIN_MS);
  const signal = AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(usable)]);
  const call: ApiCall = {
    target,
    limits: {
      signal,
      sendBy: Date.now() + usable / 2,
      ticket,
      ...(context.info.priority?.priorityKey ? { priorityKey: context.info.priority.priorityKey } : {}),
    },
    async send(request, options) {
      try {
        return await request();
      } catch (err) {
        if (err instanceof CloudDCApiError) throw await call.fail(subject, err, options);
        throw err;
      }
    },
    async fail(failedSubject, err, { failedBefore = 0, throttleToWorkflow = false } = {}) {
      if (err.info.kind === 'throttled' && isGatewayQuotaRefusal(err.info.errorCode) && deps.reportThrottle) {
        await deps.reportThrottle({
          projectId,
          region: target.region,
          sentAt: err.info.sentAt ?? Date.now(),
          refusedAt: Date.now(),
          ...(err.info.requestId ? { requestId: err.info.requestId } : {}),
          ...(err.info.errorCode ? { errorCode: err.info.errorCode } : {}),
        });
      }
      // Attempts this worker's own pacing refused are not failures of the API: backoff and the
      // retry budget skip them.
      const ownRefusals = deps.localRateLimiter?.refusals(ticket) ?? 0;
      const ownWait = err.info.kind === 'held-back';
      const failure = toActivityFailure(
        failedSubject,
        err.info,
        {
          attempt: failedBefore + attempt - ownRefusals,
          now: Date.now(),
          giveUpAt:
            throttleToWorkflow && err.info.kind === 'throttled'
              ? Date.now()
              : ownWait || retryBudgetMs === undefined
                ? giveUpAt
                : Math.min(giveUpAt, firstFailureOf(context) + retryBudgetMs),
        },
        deps.backoff ?? DEFAULT_BACKOFF,
        deps.random ?? Math.random,
      );
      context.log.warn('CloudDC call failed', {
        ...logFields,
        subject: failedSubject,
        failureType: failure.type,
        httpStatus: err.info.httpStatus,
        requestId: err.info.requestId,
        errorCode: err.info.errorCode,
        retryInMs: failure.nextRetryDelay ?? null,
        final: failure.nonRetryable,
        error: err.info.message,
      });
      return failure;
    },
  };
  return call;
}

/** When the API first failed this call, recorded in the heartbeat by the attempt it failed. */
function firstFailureOf(context: Context): number {
  const recorded = context.info.heartbeatDetails as Partial<FirstFailure> | undefined;
  if (typeof recorded?.firstFailedAt === 'number') return recorded.firstFailedAt;
  const first: FirstFailure = { firstFailedAt: Date.now() };
  context.heartbeat(first);
  return first.firstFailedAt;
}
