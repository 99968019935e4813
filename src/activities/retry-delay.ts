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
 * After a 429. With a `Retry-After`, the call is due exactly then, plus a little spread (a tenth of
 * the wait, between a quarter second and a second) so throttled trackers do not come back in
 * lockstep. Without one: full jitter, uniform up to `throttledBaseMs` doubled per refusal in a row
 * (never under a tenth of it), so the first retry comes after two seconds at most, as Huawei
 * advises, and a long storm spreads retries out. `refusals` counts the API's refusals only: waits
 * for our own pacing never grow it.
 */
export function throttledRetryDelay(
  refusals: number,
  retryAfterMs: number | undefined,
  settings: BackoffSettings,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) {
    const spread = Math.min(1_000, Math.max(250, retryAfterMs / 10));
    return Math.round(retryAfterMs + random() * spread);
  }
  const cap = exponentialCap(refusals, settings.throttledBaseMs, settings.maxMs);
  return Math.round(Math.max(settings.throttledBaseMs / 10, random() * cap));
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
