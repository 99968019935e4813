import { setTimeout as delay } from 'node:timers/promises';

/**
 * Paces one worker's requests to each CloudDC project, shared by every activity it runs: the
 * gateway throttles per project ("policy user over ratelimit, limit:N, time:1 second"), so a
 * thousand trackers on one project must share one budget.
 *
 * Requests are spaced evenly (a token bucket without burst): a turn every 1/rate seconds. A 429
 * halves the project's rate, at most once a second so one burst of refusals counts once, and the
 * rate then grows back linearly, to the configured ceiling within a minute of the last 429
 * (additive increase, multiplicative decrease, as TCP does). A caller whose turn would come after
 * its deadline, or more than `maxWaitMs` away, is refused at once with the wait it would have had,
 * without taking the turn: its activity gives the worker slot back and Temporal retries it after
 * that wait instead.
 *
 * Hand-written: the pacing libraries (bottleneck, limiter, p-throttle) keep a fixed rate, and
 * none lowers it on a refusal or turns a long queue into a retry delay.
 */
export interface RateLimiterOptions {
  /** Requests per second per project, the ceiling the rate recovers to. */
  perSecond: number;
  /** Longest wait for a turn before the caller is refused; default 10 s. */
  maxWaitMs?: number;
  now?: () => number;
}

/** The caller's turn is further away than it may wait. */
export class RateLimitedLocally extends Error {
  readonly waitMs: number;
  constructor(key: string, waitMs: number, perSecond: number) {
    super(
      `held back by this worker's rate limit for ${key} (${perSecond.toFixed(2)} requests/s): next turn in ${Math.ceil(waitMs)} ms`,
    );
    this.name = 'RateLimitedLocally';
    this.waitMs = waitMs;
  }
}

interface ProjectPace {
  /** When the next turn is free. */
  nextTurnAt: number;
  /** The rate set by the last 429, and when; the rate recovers from there. */
  loweredTo?: number;
  loweredAt?: number;
}

/** Share of the ceiling regained per second after a 429. */
const RECOVERY_PER_SECOND = 1 / 60;
/** The rate never falls below this share of the ceiling. */
const FLOOR_SHARE = 1 / 16;
/** 429s within this long after a decrease answer requests sent before it, so they count once. */
const DECREASE_HOLD_MS = 1_000;

export class ProjectRateLimiter {
  readonly #ceiling: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  readonly #paces = new Map<string, ProjectPace>();

  constructor(options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new RangeError('perSecond must be positive');
    this.#ceiling = options.perSecond;
    this.#maxWaitMs = options.maxWaitMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The project's current rate, in requests per second. */
  rate(key: string): number {
    return this.#rateOf(this.#paces.get(key), this.#now());
  }

  /**
   * Waits for the project's next turn; rejects when it comes later than `sendBy` or `maxWaitMs`
   * from now, or when `signal` aborts.
   */
  async acquire(
    key: string,
    { signal, sendBy }: { signal?: AbortSignal; sendBy?: number } = {},
  ): Promise<void> {
    signal?.throwIfAborted();
    const now = this.#now();
    const pace = this.#pace(key, now);
    const rate = this.#rateOf(pace, now);
    const turn = Math.max(now, pace.nextTurnAt);
    const waitMs = turn - now;
    if (waitMs > Math.min(this.#maxWaitMs, (sendBy ?? Number.POSITIVE_INFINITY) - now)) {
      throw new RateLimitedLocally(key, waitMs, rate);
    }
    pace.nextTurnAt = turn + 1000 / rate;
    if (waitMs > 0) await delay(waitMs, undefined, signal ? { signal } : {});
  }

  /** The API answered 429 for this project. */
  throttled(key: string): void {
    const now = this.#now();
    const pace = this.#pace(key, now);
    if (pace.loweredAt !== undefined && now - pace.loweredAt < DECREASE_HOLD_MS) return;
    pace.loweredTo = Math.max(this.#ceiling * FLOOR_SHARE, this.#rateOf(pace, now) / 2);
    pace.loweredAt = now;
  }

  #pace(key: string, now: number): ProjectPace {
    let pace = this.#paces.get(key);
    if (!pace) {
      pace = { nextTurnAt: now };
      this.#paces.set(key, pace);
    }
    return pace;
  }

  #rateOf(pace: ProjectPace | undefined, now: number): number {
    if (pace?.loweredTo === undefined || pace.loweredAt === undefined) return this.#ceiling;
    const regained = this.#ceiling * RECOVERY_PER_SECOND * ((now - pace.loweredAt) / 1000);
    return Math.min(this.#ceiling, pace.loweredTo + regained);
  }
}
