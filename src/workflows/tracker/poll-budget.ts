import { POLL_BUDGET, type PollingPolicy, pollBudgetIntervalMs } from '../../contract/index.js';

/**
 * A tracker's call budget: a token bucket of `POLL_BUDGET.burst` polls that earns one per budget
 * interval, kept as the one number the generic cell-rate algorithm needs: `readyAt`, the moment
 * the bucket is full again if no poll is spent until then. The readings only decide when to spend
 * it; no reading can make the tracker spend more.
 *
 * The bound, by construction: the k-th poll is never earlier than k - burst budget intervals after
 * the start, so an export that ends D after it costs at most ceil(D / interval) + burst status
 * calls (`maxStatusCalls` in the contract).
 */
export type PollBudget = number;

type Bounds = Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>;

/** A full bucket at the tracker's start. */
export function fullBudget(startedAt: number): PollBudget {
  return startedAt;
}

/** Polls in the bucket at `now`, fractions included. */
export function pollsInBudget(readyAt: PollBudget, policy: Bounds, now: number): number {
  return Math.min(POLL_BUDGET.burst, POLL_BUDGET.burst - (readyAt - now) / pollBudgetIntervalMs(policy));
}

/** The earliest moment the budget allows the next poll, leaving `reserve` polls in the bucket. */
export function budgetAllowsAt(readyAt: PollBudget, policy: Bounds, reserve = 0): number {
  return readyAt - (POLL_BUDGET.burst - 1 - reserve) * pollBudgetIntervalMs(policy);
}

/** The budget after a poll at `now` (which the budget allowed). */
export function spend(readyAt: PollBudget, policy: Bounds, now: number): PollBudget {
  return Math.max(readyAt, now) + pollBudgetIntervalMs(policy);
}
