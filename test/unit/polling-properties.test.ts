/**
 * The polling policy's guarantees, checked on generated exports of any shape (bench/generated-
 * exports.ts) tracked in virtual time by the workflow's own state, budget and policy functions.
 * Nothing here names a shape family: the curves are any number of slopes, holds, jumps and crawls,
 * with steps, noise, unreadable answers or a failure on top, lasting a second to six hours, under
 * any bounds from 100 ms to an hour.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAtEqualCost } from '../../bench/equal-cost.js';
import { ANY_EXPORT, endForetold, generatedExport, generatedExports } from '../../bench/generated-exports.js';
import { trackInVirtualTime } from '../../bench/policy-lab.js';
import type { ShapedExport } from '../../bench/shapes.js';
import { maxStatusCalls, pollBudgetIntervalMs } from '../../src/contract/index.js';
import { seeded } from '../../src/simulator/seeded-random.js';
import { budgetOverrun } from '../helpers/poll-times.js';

/**
 * The longest the tracker ever waits between two polls: the watch (a third of maxInterval),
 * minInterval, or the two budget intervals that earn a poll when it keeps one back; never more
 * than maxInterval.
 */
function longestWait({ minIntervalMs, maxIntervalMs }: ShapedExport): number {
  const budget = 2 * pollBudgetIntervalMs({ minIntervalMs, maxIntervalMs });
  return Math.min(maxIntervalMs, Math.max(maxIntervalMs / 3, minIntervalMs, budget));
}

describe('on every generated export', () => {
  it('costs at most the bound, ends right, never waits longer than the watch allows, and never polls faster than the budget', () => {
    fc.assert(
      fc.property(generatedExport(ANY_EXPORT), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (shaped, seed) => {
        const tracked = trackInVirtualTime(shaped, seeded(seed));
        expect(tracked.phase).toBe(shaped.scenario.outcome ?? 'completed');
        expect(tracked.calls).toBeLessThanOrEqual(maxStatusCalls(shaped, tracked.durationMs));
        const waits = tracked.pollTimes.slice(1).map((at, i) => at - (tracked.pollTimes[i] as number));
        expect(Math.max(0, ...waits)).toBeLessThanOrEqual(longestWait(shaped) + 1);
        // However the readings move (a crawl, a hold, noise, unreadable answers), no stretch of
        // polls outruns the budget.
        expect(budgetOverrun(tracked.pollTimes, pollBudgetIntervalMs(shaped))).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('over the generated population at 1 s / 60 s (exports of 30 s to 20 min)', () => {
  const seeds = [11, 12, 13];
  const tracked = seeds.map((seed) => {
    const exports = generatedExports(600, seed);
    const random = seeded(seed);
    return exports.map((e) => ({ ...trackInVirtualTime(e, random), foretold: endForetold(e.scenario) }));
  });

  it('sees the ends the readings foretell sooner than a fixed poller making as many calls', () => {
    for (const run of tracked) {
      const { ours, fixed } = compareAtEqualCost(run.filter((t) => t.foretold));
      expect(ours.p95).toBeLessThan(fixed.p95);
    }
  });

  it('sees the ends they do not foretell (failures, holds and jumps at the end) within about twice its p95', () => {
    for (const run of tracked) {
      const { ours, fixed } = compareAtEqualCost(run.filter((t) => !t.foretold));
      expect(ours.p95).toBeLessThan(2.2 * fixed.p95);
    }
  });
});
