import { type PollingPolicy, pollBudgetIntervalMs } from '../../contract/index.js';
import { completionWindow, endAtPaceShown, knownReadings } from './completion-window.js';
import { budgetAllowsAt, pollsInBudget } from './poll-budget.js';
import { latestReading, type TrackerState } from './state.js';

type Bounds = Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>;

/** What the policy looks at, relative to now. */
export interface PollingObservation {
  /** Since the percentage last changed (or tracking started, if it never has). */
  msSinceChange: number;
  /** Whether the readings have ever moved. */
  moved: boolean;
  /** While the readings keep one pace: where the end can fall, and since when that pace holds. */
  window?: { msToSoonest: number; msToLatest: number; msSincePace: number };
  /** While they do not: how soon the export could end at the fastest pace it has shown lately. */
  msToEndAtPaceShown?: number;
  /** Polls in the budget now (fractions included), and how long one takes to earn. */
  pollsInBudget: number;
  budgetIntervalMs: number;
}

/** The delay the readings ask for, and whether that poll is for the end itself. */
export interface PollPlan {
  delayMs: number;
  forTheEnd: boolean;
}

/** A third of maxInterval: an end no reading foretells is seen within it, whatever else happens. */
const WATCH_SHARE = 1 / 3;
/** Polls while the readings hold still, at most this many budget intervals apart: what they end in is unforetold. */
const QUIET_BUDGET_INTERVALS = 2;
/** Up to this share of a delay is taken off at random, so trackers started together drift apart. */
const JITTER_SHARE = 0.1;

/** When the tracker polls next: where the readings place the end, within its budget. */
export function nextPollAt(policy: Bounds, state: TrackerState, now: number, random: () => number): number {
  const { delayMs, forTheEnd } = planPoll(policy, observe(policy, state, now));
  // A poll for the end is aimed at an edge of the window; jitter would pull it in front of it.
  const jittered = delayMs * (1 - (forTheEnd ? 0 : JITTER_SHARE * random()));
  const delay = Math.min(policy.maxIntervalMs, Math.max(policy.minIntervalMs, jittered));
  // Any other poll leaves one in the budget, so a poll for the end never waits for one, unless
  // keeping it would make the wait longer than maxInterval.
  const keepingOne = budgetAllowsAt(state.pollBudget, policy, forTheEnd ? 0 : 1);
  const allowed =
    keepingOne <= now + policy.maxIntervalMs ? keepingOne : budgetAllowsAt(state.pollBudget, policy);
  return Math.max(now + Math.round(delay), allowed);
}

/**
 * The four rules besides the budget, each with what it guarantees:
 * - the watch: no wait is longer than a third of maxInterval, so an end no reading foretells (a
 *   failure, a burst) is seen within it;
 * - quiet: while nothing foretells the end, the wait grows as long as the readings have held
 *   still (so a hold of length h costs about log2(h / minInterval) polls before the readings move,
 *   and polls every two budget intervals once they have), and is never longer than half the time
 *   the fastest pace they showed would take to finish, so a resume at that pace is seen before it;
 * - the window: polls spread evenly from its soonest edge to its far edge, as many as the budget
 *   affords by then, the last at the far edge, so an end at the current pace is seen within one
 *   spacing;
 * - the check: before the window opens, one look halfway between the first reading at the
 *   current pace and its soonest end, so no pace is trusted for longer than it has been seen.
 */
export function planPoll({ minIntervalMs, maxIntervalMs }: Bounds, o: PollingObservation): PollPlan {
  const watch = maxIntervalMs * WATCH_SHARE;
  if (!o.window || o.window.msToLatest <= 0) {
    const held = Math.max(minIntervalMs, o.msSinceChange);
    const quiet = o.moved ? Math.min(QUIET_BUDGET_INTERVALS * o.budgetIntervalMs, held) : held;
    const resume = Math.max(o.budgetIntervalMs, (o.msToEndAtPaceShown ?? Number.POSITIVE_INFINITY) / 2);
    return { delayMs: Math.min(watch, quiet, resume), forTheEnd: false };
  }
  const { msToSoonest, msToLatest, msSincePace } = o.window;
  const toSoonest = Math.max(0, msToSoonest);
  const toFarEdge = Math.min(msToLatest, toSoonest + watch);
  const affordable = Math.max(1, Math.floor(o.pollsInBudget + toFarEdge / o.budgetIntervalMs));
  const forTheEnd = Math.min(
    msToLatest,
    toSoonest + Math.max(minIntervalMs, (toFarEdge - toSoonest) / affordable),
  );
  const toHalfway = (toSoonest - msSincePace) / 2;
  const check = toHalfway >= o.budgetIntervalMs ? toHalfway : Number.POSITIVE_INFINITY;
  const delayMs = Math.min(watch, check, forTheEnd);
  return { delayMs, forTheEnd: delayMs === forTheEnd };
}

/** What the policy looks at in a tracker's state at `now`. */
export function observe(policy: Bounds, state: TrackerState, now: number): PollingObservation {
  const readings = knownReadings(state.samples, latestReading(state));
  const window = completionWindow(readings);
  const atPaceShown = window ? null : endAtPaceShown(readings);
  const budgetIntervalMs = pollBudgetIntervalMs(policy);
  const lastReadAt = readings[readings.length - 1]?.at ?? now;
  return {
    msSinceChange: now - state.lastProgressAt,
    moved: state.samples.length > 1,
    ...(window && {
      window: {
        msToSoonest: window.soonest - now,
        msToLatest: window.latest - now,
        msSincePace: now - window.since,
      },
    }),
    ...(atPaceShown !== null && { msToEndAtPaceShown: atPaceShown - (now - lastReadAt) }),
    pollsInBudget: pollsInBudget(state.pollBudget, policy, now),
    budgetIntervalMs,
  };
}
