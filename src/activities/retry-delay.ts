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

/** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))], so retries of many trackers spread out. */
export function transientRetryDelay(
  attempt: number,
  settings: BackoffSettings,
  random: () => number,
): number {
  return Math.round(random() * exponentialCap(attempt, settings.transientBaseMs, settings.maxMs));
}

/**
 * After a 429: never sooner than `Retry-After` when the API sent one; otherwise from
 * `throttledBaseMs` upwards, doubling per attempt. Up to half as much again is added at random
 * so throttled trackers do not come back in lockstep.
 */
export function throttledRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  random: () => number,
): number {
  const floor = retryAfterMs ?? exponentialCap(attempt, settings.throttledBaseMs, settings.maxMs);
  const spread = Math.min(floor, settings.maxMs) * 0.5;
  return Math.round(floor + random() * spread);
}

function exponentialCap(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
