import { setTimeout as delay } from 'node:timers/promises';
import { type Aimd, afterThrottle, shareAt, startAimd } from './aimd.js';

/**
 * The fallback for servers that cannot limit each project's activities themselves (see
 * `task-queue-config.ts`): paces one worker's requests to each CloudDC project, shared
 * by every activity it runs. It holds for one worker only; with several, each has the whole budget.
 *
 * Requests are spaced evenly (a token bucket without burst), first come, first served: a turn
 * every 1/rate seconds. A 429 halves the project's rate, once for all the requests that had their
 * turn before the halving, and the rate then grows back linearly, to the configured ceiling within
 * a minute of the last 429: the budget keeper's rule (`aimd.ts`), read at every turn. A caller
 * whose turn would come after its deadline, or more than `maxWaitMs` away, is refused at once
 * with the wait it would have had; its turn is kept for it under its `ticket` (its activity), so
 * when Temporal retries it at that time it goes at once instead of queueing again.
 *
 * Hand-written: the pacing libraries (bottleneck, limiter, p-throttle) keep a fixed rate, and
 * none lowers it on a refusal or turns a long queue into a retry delay that keeps its place.
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
  /** The share of the ceiling since the first 429; the whole ceiling until then. */
  aimd?: Aimd;
}

/** How often a caller was refused a turn, and when last. */
interface Refusals {
  count: number;
  at: number;
}

/** A kept turn not claimed this long after it came is forgotten (its activity went elsewhere). */
const RESERVATION_TTL_MS = 5 * 60_000;

export class ProjectRateLimiter {
  readonly #ceiling: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  readonly #paces = new Map<string, ProjectPace>();
  /** Turns kept for refused callers, by ticket. */
  readonly #reservations = new Map<string, number>();
  readonly #refusals = new Map<string, Refusals>();

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
   * Waits for the project's next turn and returns when it was; rejects when it comes later than
   * `sendBy` or `maxWaitMs` from now (keeping the turn for `ticket`), or when `signal` aborts
   * (giving the turn back if no later one was handed out meanwhile).
   */
  async acquire(
    key: string,
    { signal, sendBy, ticket }: { signal?: AbortSignal; sendBy?: number; ticket?: string } = {},
  ): Promise<number> {
    signal?.throwIfAborted();
    const now = this.#now();
    this.#forgetStaleReservations(now);
    const kept = ticket === undefined ? undefined : this.#reservations.get(ticket);
    if (kept !== undefined && ticket !== undefined) {
      this.#reservations.delete(ticket);
      if (kept > now) await delay(kept - now, undefined, signal ? { signal } : {});
      return kept;
    }
    const pace = this.#pace(key, now);
    const rate = this.#rateOf(pace, now);
    const turn = Math.max(now, pace.nextTurnAt);
    const waitMs = turn - now;
    const next = turn + 1000 / rate;
    pace.nextTurnAt = next;
    if (waitMs > 0 && waitMs > Math.min(this.#maxWaitMs, (sendBy ?? Number.POSITIVE_INFINITY) - now)) {
      if (ticket === undefined) {
        pace.nextTurnAt = turn;
      } else {
        this.#reservations.set(ticket, turn);
        this.#refusals.set(ticket, { count: this.refusals(ticket) + 1, at: now });
      }
      throw new RateLimitedLocally(key, waitMs, rate);
    }
    if (waitMs > 0) {
      try {
        await delay(waitMs, undefined, signal ? { signal } : {});
      } catch (err) {
        if (pace.nextTurnAt === next) pace.nextTurnAt = turn;
        throw err;
      }
    }
    return turn;
  }

  /** How often the caller holding `ticket` was refused a turn: waits of ours, not failures of the API. */
  refusals(ticket: string): number {
    return this.#refusals.get(ticket)?.count ?? 0;
  }

  #forgetStaleReservations(now: number): void {
    for (const [ticket, turnAt] of this.#reservations) {
      if (turnAt + RESERVATION_TTL_MS < now) this.#reservations.delete(ticket);
    }
    for (const [ticket, refused] of this.#refusals) {
      if (refused.at + RESERVATION_TTL_MS < now) this.#refusals.delete(ticket);
    }
  }

  /**
   * The API answered 429 to a request sent on the turn granted at `turnAt`. Refusals of requests
   * whose turn came before the last decrease answer the old pace, so one overload halves once.
   */
  throttled(key: string, turnAt: number = this.#now()): void {
    const now = this.#now();
    const pace = this.#pace(key, now);
    pace.aimd = afterThrottle(pace.aimd ?? startAimd(1, now), turnAt, now);
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
    return pace?.aimd ? this.#ceiling * shareAt(pace.aimd, now) : this.#ceiling;
  }
}
