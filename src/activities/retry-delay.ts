/** Backoff for retrying failed API calls; all in milliseconds. */
export interface BackoffSettings {
  /** Cap of the first transient retry (5xx, timeouts, broken bodies); doubles per attempt. */
  transientBaseMs: number;
  /** First wait after a 429 without `Retry-After`; Huawei advises retrying after 2-5 s. */
  throttledBaseMs: number;
  /** No computed backoff grows beyond this (a `Retry-After` may ask for longer and is honoured). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = {
  transientBaseMs: 1_000,
  throttledBaseMs: 2_000,
  maxMs: 60_000,
};

/**
 * Full jitter, uniform up to min(max, base * 2^(attempt-1)) so retries of many trackers spread
 * out, but never under a tenth of the base (a zero draw must not mean "retry at once"), and never
 * sooner than a `Retry-After` the server sent with its 5xx.
 */
export function transientRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  random: () => number,
): number {
  const jittered = Math.max(
    settings.transientBaseMs / 10,
    random() * exponentialCap(attempt, settings.transientBaseMs, settings.maxMs),
  );
  return Math.round(Math.max(retryAfterMs ?? 0, jittered));
}

/**
 * After a 429: the throttling backoff (from `throttledBaseMs`, doubling per attempt) or the
 * server's `Retry-After`, whichever is longer, so neither a `Retry-After: 0` nor a short one
 * during a long storm brings the tracker back at once. Up to half as much again is added at
 * random so throttled trackers do not come back in lockstep.
 */
export function throttledRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  random: () => number,
): number {
  const floor = Math.max(
    retryAfterMs ?? 0,
    exponentialCap(attempt, settings.throttledBaseMs, settings.maxMs),
  );
  const spread = Math.min(floor, settings.maxMs) * 0.5;
  return Math.round(floor + random() * spread);
}

function exponentialCap(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * A request this worker held back for its own rate limit is tried again when its turn would have
 * come, plus a little spread: no backoff, since the API refused nothing.
 */
export function heldBackRetryDelay(waitMs: number | undefined, random: () => number): number {
  const wait = Math.max(50, waitMs ?? 0);
  return Math.round(wait + random() * wait * 0.2);
}
