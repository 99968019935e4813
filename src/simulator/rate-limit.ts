/**
 * The API gateway's per-project throttling ("policy user over ratelimit, limit:N, time:1 second"):
 * a token bucket per project that refills `perSecond` tokens a second, up to `perSecond`.
 */
export class ProjectRateLimit {
  readonly #perSecond: number;
  readonly #clock: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number, clock: () => number) {
    this.#perSecond = perSecond;
    this.#clock = clock;
  }

  get perSecond(): number {
    return this.#perSecond;
  }

  /** Takes a token for the project; false when the request is over the limit. */
  take(projectId: string): boolean {
    const now = this.#clock();
    const bucket = this.#buckets.get(projectId) ?? { tokens: this.#perSecond, at: now };
    bucket.tokens = Math.min(this.#perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(projectId, bucket);
    return allowed;
  }
}
