const DELTA_SECONDS = /^\s*(\d+)\s*$/;
/**
 * The three HTTP-date forms (IMF-fixdate, RFC 850, asctime) all start with a weekday and carry a
 * time of day. `Date.parse` alone would also take "-1" or "1.5" as dates in 2001.
 */
const HTTP_DATE = /^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s.*\d{2}:\d{2}:\d{2}/i;

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
  if (!HTTP_DATE.test(retryAfter)) return undefined;
  const retryAt = Date.parse(retryAfter);
  if (Number.isNaN(retryAt)) return undefined;
  const serverNow = responseDate ? Date.parse(responseDate) : Number.NaN;
  return Math.max(0, retryAt - (Number.isNaN(serverNow) ? now : serverNow));
}
