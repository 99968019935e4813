/** The polling policy callers give (intervals, timeouts), its defaults, and the call budget it implies. */
import { z } from 'zod';
import { durationSchema } from './duration.js';

/** Defaults of the tracking policy, as users would write them. */
export const DEFAULT_POLICY = {
  minInterval: '10s',
  maxInterval: '5m',
  timeout: '6h',
  stallTimeout: '1h',
} as const;

/**
 * Below this the tracker would hammer the API rather than track an export that takes minutes.
 * Tests run with intervals just above it.
 */
export const MIN_POLL_INTERVAL_MS = 100;

/** Poll intervals above a day, or trackers set to run over 30 days, are mistakes, not policies. */
const MAX_INTERVAL_MS = 86_400_000;
export const MAX_TRACKING_MS = 30 * 86_400_000;

const intervalSchema = durationSchema
  .refine((millis) => millis >= MIN_POLL_INTERVAL_MS, { error: `must be at least ${MIN_POLL_INTERVAL_MS}ms` })
  .refine((millis) => millis <= MAX_INTERVAL_MS, { error: 'must be at most 1 day' });

const trackingDurationSchema = durationSchema.refine((millis) => millis <= MAX_TRACKING_MS, {
  error: 'must be at most 30 days',
});

export const policyInputSchema = z
  .strictObject({
    minInterval: intervalSchema.optional(),
    maxInterval: intervalSchema.optional(),
    timeout: trackingDurationSchema.optional(),
    stallTimeout: trackingDurationSchema.optional(),
  })
  .superRefine(({ minInterval, maxInterval }, ctx) => {
    if (minInterval !== undefined && maxInterval !== undefined && maxInterval < minInterval) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInterval'],
        message: 'must not be shorter than policy.minInterval',
      });
    }
  })
  .optional();

/** The tracking policy with every duration resolved to milliseconds. */
export interface PollingPolicy {
  minIntervalMs: number;
  maxIntervalMs: number;
  timeoutMs: number;
  stallTimeoutMs: number;
}

/**
 * Each tracker's budget of status calls, whatever the export's readings: a bucket of `burst` polls
 * that earns one poll per budget interval, `perMinInterval` times `minInterval` (or `maxInterval`,
 * when a caller asks for polls closer than that). The polling policy decides only when to spend it.
 */
export const POLL_BUDGET = {
  /** Five times `minInterval`: the tracker may poll at `minInterval` around an end, not for long. */
  perMinInterval: 5,
  /** Enough for the first look and two more before the budget interval has passed. */
  burst: 3,
} as const;

/** How long a tracker earns one status call in. */
export function pollBudgetIntervalMs({
  minIntervalMs,
  maxIntervalMs,
}: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>): number {
  return Math.min(POLL_BUDGET.perMinInterval * minIntervalMs, maxIntervalMs);
}

/**
 * The most status calls a tracker makes on an export that ends `durationMs` after it starts:
 * ceil(D / I) + burst, where I is the budget interval. A fixed poller at I, polling at the start
 * and every I after, makes ceil(D / I) + 1, so this is two more. Calls an operator asks for with
 * `pollNow`, and retries of calls the API refused or failed, are not counted.
 */
export function maxStatusCalls(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  durationMs: number,
) {
  return Math.ceil(Math.max(0, durationMs) / pollBudgetIntervalMs(policy)) + POLL_BUDGET.burst;
}

export const DEFAULT_POLICY_MS: PollingPolicy = {
  minIntervalMs: durationSchema.parse(DEFAULT_POLICY.minInterval),
  maxIntervalMs: durationSchema.parse(DEFAULT_POLICY.maxInterval),
  timeoutMs: durationSchema.parse(DEFAULT_POLICY.timeout),
  stallTimeoutMs: durationSchema.parse(DEFAULT_POLICY.stallTimeout),
};

/** A validated policy input with the defaults filled in. */
export function resolvePolicy(given: z.output<typeof policyInputSchema> = {}): PollingPolicy {
  // A lone bound moves the other default out of its way: `{ maxInterval: "5s" }` means polling
  // at most every 5 s, not an error about the 10 s default minimum.
  const minIntervalMs =
    given.minInterval ??
    Math.min(DEFAULT_POLICY_MS.minIntervalMs, given.maxInterval ?? Number.POSITIVE_INFINITY);
  const maxIntervalMs = given.maxInterval ?? Math.max(DEFAULT_POLICY_MS.maxIntervalMs, minIntervalMs);
  return {
    minIntervalMs,
    maxIntervalMs,
    timeoutMs: given.timeout ?? DEFAULT_POLICY_MS.timeoutMs,
    stallTimeoutMs: given.stallTimeout ?? DEFAULT_POLICY_MS.stallTimeoutMs,
  };
}
