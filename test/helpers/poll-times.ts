import { POLL_BUDGET } from '../../src/contract/index.js';

/**
 * By how many polls the busiest stretch of these polls outruns a budget of `burst` polls plus one
 * per `budgetIntervalMs` (0 or less: never). With g(k) = t_k / interval - k, polls k..j number at
 * most burst + (t_j - t_k) / interval exactly when g(k) - g(j) <= burst - 1, so one pass keeping
 * the highest g so far finds the busiest stretch.
 */
export function budgetOverrun(pollTimes: readonly number[], budgetIntervalMs: number): number {
  let highest = Number.NEGATIVE_INFINITY;
  let overrun = Number.NEGATIVE_INFINITY;
  pollTimes.forEach((at, j) => {
    const g = at / budgetIntervalMs - j;
    highest = Math.max(highest, g);
    overrun = Math.max(overrun, highest - g - (POLL_BUDGET.burst - 1));
  });
  return overrun;
}
