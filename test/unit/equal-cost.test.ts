import { describe, expect, it } from 'vitest';
import {
  compareAtEqualCost,
  fixedCallsForP95,
  fixedPollOutcome,
  latencyFigures,
  matchedFixedInterval,
} from '../../bench/equal-cost.js';

describe('the fixed poller at equal cost', () => {
  it('polls at creation and every interval, seeing the end at the first poll after it', () => {
    expect(fixedPollOutcome(60_000, 10_000)).toEqual({ calls: 7, latencyMs: 0, durationMs: 60_000 });
    expect(fixedPollOutcome(61_000, 10_000)).toEqual({ calls: 8, latencyMs: 9_000, durationMs: 61_000 });
  });

  it('finds the longest interval at which it makes at least as many calls as asked', () => {
    const durations = [30_000, 45_000, 90_000, 120_000, 180_000];
    for (const calls of [3, 5.5, 8, 20]) {
      const interval = matchedFixedInterval(durations, calls);
      const made = latencyFigures(durations.map((d) => fixedPollOutcome(d, interval))).callsPerExport;
      expect(made).toBeGreaterThanOrEqual(calls);
      // A hair longer and it makes fewer than asked.
      const longer = latencyFigures(
        durations.map((d) => fixedPollOutcome(d, interval * 1.001)),
      ).callsPerExport;
      expect(longer).toBeLessThan(calls);
    }
  });

  it('finds the calls it needs to be as quick as a given p95', () => {
    const durations = Array.from({ length: 100 }, (_, i) => 30_000 + i * 1_234);
    const calls = fixedCallsForP95(durations, 2_000);
    const interval = matchedFixedInterval(durations, calls);
    // Calls come in whole numbers per export, so matching them back lands within a few percent.
    expect(latencyFigures(durations.map((d) => fixedPollOutcome(d, interval))).p95).toBeLessThanOrEqual(
      2_200,
    );
    expect(fixedCallsForP95(durations, 8_000)).toBeLessThan(calls / 3);
  });

  it('compares a strategy with the fixed poller on the same exports', () => {
    const ours = [41_000, 83_000, 127_000].map((d) => ({ calls: 5, latencyMs: 1_000, durationMs: d }));
    const { ours: o, fixed, fixedIntervalMs } = compareAtEqualCost(ours);
    expect(o).toMatchObject({ callsPerExport: 5, p95: 1_000 });
    expect(fixed.callsPerExport).toBeLessThanOrEqual(5);
    expect(fixedIntervalMs).toBeGreaterThanOrEqual(20_000);
    expect(fixed.p95).toBeGreaterThan(o.p95);
  });
});
