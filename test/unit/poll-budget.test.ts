import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxStatusCalls, POLL_BUDGET, pollBudgetIntervalMs } from '../../src/contract/index.js';
import { budgetAllowsAt, fullBudget, spend } from '../../src/workflows/tracker/poll-budget.js';

const policy = { minIntervalMs: 1_000, maxIntervalMs: 60_000 };
const B = pollBudgetIntervalMs(policy);

/** Polls taken as soon as the budget allows, each no earlier than the time asked. */
function pollsAt(asked: readonly number[], reserve = 0): number[] {
  let budget = fullBudget(0);
  return asked.map((at) => {
    const when = Math.max(at, budgetAllowsAt(budget, policy, reserve));
    budget = spend(budget, policy, when);
    return when;
  });
}

describe('the call budget', () => {
  it('earns one poll per five minIntervals, or per maxInterval when that is shorter', () => {
    expect(B).toBe(5_000);
    expect(pollBudgetIntervalMs({ minIntervalMs: 1_000, maxIntervalMs: 3_000 })).toBe(3_000);
    expect(maxStatusCalls(policy, 0)).toBe(POLL_BUDGET.burst);
    // Fixed polling at 5 s makes ceil(60 / 5) + 1 = 13 calls on a minute: two fewer.
    expect(maxStatusCalls(policy, 60_000)).toBe(15);
  });

  it('allows three polls at once, then one per budget interval', () => {
    expect(pollsAt([0, 0, 0, 0, 0, 0])).toEqual([0, 0, 0, B, 2 * B, 3 * B]);
  });

  it('keeps a poll back when asked to: two at once, and the third waits for the one kept', () => {
    expect(pollsAt([0, 0, 0], 1)).toEqual([0, 0, B]);
  });

  it('fills up again while unused, but never beyond three polls', () => {
    expect(pollsAt([0, 100 * B, 100 * B, 100 * B, 100 * B])).toEqual([0, 100 * B, 100 * B, 100 * B, 101 * B]);
  });

  it('never lets the k-th poll come before k - 3 budget intervals, nor more than 3 + w / B polls into any span w', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 * B }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0, 1),
        (gaps, reserve) => {
          let t = 0;
          const polls = pollsAt(
            gaps.map((g) => (t += g)),
            reserve,
          );
          polls.forEach((at, k) => {
            expect(at).toBeGreaterThanOrEqual((k + 1 - POLL_BUDGET.burst) * B);
            for (let j = k; j < polls.length; j++) {
              expect(j - k + 1).toBeLessThanOrEqual(POLL_BUDGET.burst + ((polls[j] as number) - at) / B);
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
