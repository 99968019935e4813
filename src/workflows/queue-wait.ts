import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, log, TimeoutFailure } from '@temporalio/workflow';

/** The shortest and longest first limit: a worker restart fits in the one, a busy night in the other. */
const FIRST_LIMIT_MS = { min: 10_000, max: 5 * 60_000 };
/** The first limit in the tracker's own longest waits: far beyond anything its caller expects. */
const FIRST_LIMIT_IN_MAX_INTERVALS = 5;
/** Room left above the longest round trip seen, so a queue that is merely busy is never cut short. */
const HEADROOM = 4;

/**
 * How long an activity task may wait on its task queue for a worker before the workflow presumes
 * it lost and schedules it again.
 *
 * A task the matching service loses (a server restarted while handing it to a worker that was
 * being killed) stays "scheduled" for ever: no retry policy covers a task that never started, and
 * our API activities may wait for their project's turn until the tracker's deadline. A
 * schedule-to-start timeout is the only signal Temporal gives, and it is never retried by the
 * server, so the workflow schedules the activity again itself: harmless, since the activity never
 * ran.
 *
 * A queue that is only slow (a fleet of thousands waiting for its project's rate) must not be
 * mistaken for a lost task, and its waits are unknown in advance: the limit starts at a few of the
 * caller's longest polling intervals, doubles each time it is reached, and afterwards stays at
 * several times the longest round trip seen. Lives in the workflow (deterministic: it only reads
 * workflow time), and starts afresh after continue-as-new.
 */
export class QueueWaitLimit {
  #ms: number;
  readonly #floorMs: number;

  constructor(maxIntervalMs: number) {
    this.#floorMs = Math.min(
      FIRST_LIMIT_MS.max,
      Math.max(FIRST_LIMIT_MS.min, FIRST_LIMIT_IN_MAX_INTERVALS * maxIntervalMs),
    );
    this.#ms = this.#floorMs;
  }

  /** The schedule-to-start timeout for the next task. */
  get ms(): number {
    return this.#ms;
  }

  /** A task was picked up and answered (or failed) after `roundTripMs`. */
  answeredAfter(roundTripMs: number): void {
    this.#ms = Math.max(this.#floorMs, this.#ms, HEADROOM * roundTripMs);
  }

  /** A task found no worker within the limit. */
  reached(): void {
    this.#ms *= 2;
  }
}

/** Whether an activity failed because its task waited on the queue past its schedule-to-start timeout. */
export function isQueueWaitTimeout(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
  );
}

/**
 * Runs `schedule` with the limit's schedule-to-start timeout, and again, immediately and with a
 * wider limit, each time its task found no worker in time (logged, naming `what`).
 */
export async function scheduledUntilPickedUp<T>(
  limit: QueueWaitLimit,
  what: string,
  schedule: (scheduleToStartTimeoutMs: number) => Promise<T>,
): Promise<T> {
  for (;;) {
    const scheduledAt = Date.now();
    try {
      const result = await schedule(limit.ms);
      limit.answeredAfter(Date.now() - scheduledAt);
      return result;
    } catch (err) {
      if (!isQueueWaitTimeout(err)) {
        limit.answeredAfter(Date.now() - scheduledAt);
        throw err;
      }
      log.warn(`${what} found no worker in time; scheduling it again`, {
        waitedMs: Date.now() - scheduledAt,
      });
      limit.reached();
    }
  }
}
