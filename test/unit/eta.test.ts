import { describe, expect, it } from 'vitest';
import {
  estimateCompletion,
  type ProgressSample,
  SAMPLES_KEPT,
  withSample,
} from '../../src/workflows/eta.js';
import { nextPollDelay } from '../../src/workflows/polling-policy.js';
import { seeded } from '../helpers/random.js';

const MIN = 60_000;
/** Readings every `every` ms of a curve over `duration` ms. */
function readings(curve: (t: number) => number, every: number, count: number): ProgressSample[] {
  return Array.from({ length: count }, (_, i) => ({
    at: i * every,
    percentage: Math.min(100, curve(i * every)),
  }));
}

describe('estimateCompletion', () => {
  it('finds the end of a steady export', () => {
    const eta = estimateCompletion(readings((t) => (t / (60 * MIN)) * 100, 5 * MIN, 6));
    expect(eta).toBe(60 * MIN);
  });

  it('stays close through noisy readings', () => {
    const random = seeded(42);
    const noisy = readings((t) => (t / (60 * MIN)) * 100 + (random() - 0.5) * 6, 3 * MIN, 10);
    const eta = estimateCompletion(noisy) ?? 0;
    expect(Math.abs(eta - 60 * MIN)).toBeLessThan(6 * MIN);
  });

  it('reads a stepwise export by its average pace, not its last jump', () => {
    const steps = readings((t) => Math.floor(t / (15 * MIN)) * 25, 5 * MIN, 10);
    const eta = estimateCompletion(steps) ?? 0;
    expect(Math.abs(eta - 60 * MIN)).toBeLessThan(15 * MIN);
  });

  it('gives no estimate while nothing moves, or with too few readings', () => {
    expect(estimateCompletion(readings(() => 40, 5 * MIN, 6))).toBeNull();
    expect(estimateCompletion([{ at: 0, percentage: 10 }])).toBeNull();
    expect(estimateCompletion([])).toBeNull();
  });

  it('keeps only the most recent readings, so it follows a change of pace', () => {
    let samples: ProgressSample[] = [];
    for (let i = 0; i < 30; i++) samples = withSample(samples, { at: i, percentage: i });
    expect(samples).toHaveLength(SAMPLES_KEPT);
    expect(samples[0]?.at).toBe(30 - SAMPLES_KEPT);
  });
});

describe('nextPollDelay with an estimate', () => {
  const policy = { minIntervalMs: 10_000, maxIntervalMs: 5 * MIN };
  const noJitter = () => 0;

  it('waits the longest interval while the end is far', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 60 * MIN }, noJitter)).toBe(5 * MIN);
  });

  it('halves the time left as the end nears, down to the shortest interval', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 4 * MIN }, noJitter)).toBe(2 * MIN);
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 8_000 }, noJitter)).toBe(10_000);
  });

  it('falls back to widening when overdue or unknown', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 2, msToEta: null }, noJitter)).toBe(22_500);
    expect(nextPollDelay(policy, { unchangedPolls: 2 }, noJitter)).toBe(22_500);
  });

  it('polls a steady hour-long export far less often than every minInterval', () => {
    // Simulated: a linear export of 60 min, tracked with the estimate.
    let t = 0;
    let samples: ProgressSample[] = [];
    let polls = 0;
    while (true) {
      polls += 1;
      const percentage = Math.min(100, (t / (60 * MIN)) * 100);
      if (percentage >= 100) break;
      samples = withSample(samples, { at: t, percentage });
      const eta = estimateCompletion(samples);
      t += nextPollDelay(
        policy,
        { unchangedPolls: 0, msToEta: eta !== null && eta > t ? eta - t : null },
        noJitter,
      );
    }
    expect(polls).toBeLessThan((60 * MIN) / policy.minIntervalMs / 3);
    // Noticed soon after the end.
    expect(t - 60 * MIN).toBeLessThanOrEqual(policy.minIntervalMs);
  });
});
