const DELTA_SECONDS = /^\s*(\d+)\s*$/;

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds, or an HTTP-date measured
 * against the response's own `Date` header (so a skewed worker clock does not shorten the wait),
 * falling back to the local clock when the response has no usable `Date`. Undefined when absent
 * or unreadable.
 */
export function parseRetryAfter(
  retryAfter: string | null | undefined,
  responseDate: string | null | undefined,
  now: number,
): number | undefined {
  if (!retryAfter) return undefined;
  const delta = DELTA_SECONDS.exec(retryAfter);
  if (delta?.[1]) return Number(delta[1]) * 1000;
  const retryAt = Date.parse(retryAfter);
  if (Number.isNaN(retryAt)) return undefined;
  const serverNow = responseDate ? Date.parse(responseDate) : Number.NaN;
  return Math.max(0, retryAt - (Number.isNaN(serverNow) ? now : serverNow));
}
