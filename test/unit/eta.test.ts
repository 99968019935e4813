import { describe, expect, it } from 'vitest';
import { seeded } from '../../src/simulator/seeded-random.js';
import {
  estimateCompletion,
  type ProgressSample,
  SAMPLES_KEPT,
  withSample,
} from '../../src/workflows/tracker/eta.js';

const MIN = 60_000;
/** The readings a tracker keeps when it polls `curve` every `every` ms, `count` times. */
function readings(curve: (t: number) => number, every: number, count: number): ProgressSample[] {
  let samples: ProgressSample[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * every;
    samples = withSample(samples, {
      at,
      percentage: Math.min(100, curve(at)),
      ...(i > 0 ? { after: at - every } : {}),
    });
  }
  return samples;
}

describe('estimateCompletion', () => {
  it('finds the end of a steady export', () => {
    const eta = estimateCompletion(readings((t) => (t / (60 * MIN)) * 100, 5 * MIN, 6));
    expect(eta).toBe(60 * MIN);
  });

  it('stays close through noisy readings', () => {
    const random = seeded(42);
    const noisy = readings((t) => (t / (60 * MIN)) * 100 + (random() - 0.5) * 6, 3 * MIN, 10);
    const eta = estimateCompletion(noisy);
    expect(Math.abs((eta ?? 0) - 60 * MIN)).toBeLessThan(8 * MIN);
  });

  it('reads a stepwise export by its average pace, not its last jump', () => {
    const steps = readings((t) => Math.floor(t / (15 * MIN)) * 25, 5 * MIN, 10);
    const eta = estimateCompletion(steps);
    expect(Math.abs((eta ?? 0) - 60 * MIN)).toBeLessThan(15 * MIN);
  });

  it('picks the pace up again as soon as progress resumes after a stall', () => {
    // 1 % a minute to 30 %, stuck for 40 minutes, then 1 % a minute again: done at 140 minutes.
    const curve = (t: number) => (t < 30 * MIN ? t / MIN : t < 70 * MIN ? 30 : 30 + (t - 70 * MIN) / MIN);
    const eta = estimateCompletion(readings(curve, 5 * MIN, 17));
    expect(Math.abs((eta ?? 0) - 140 * MIN)).toBeLessThan(5 * MIN);
  });

  it('gives no estimate for a pace too slow for any date', () => {
    expect(
      estimateCompletion([
        { at: 0, percentage: 0 },
        { at: 60_000, percentage: 1e-15 },
      ]),
    ).toBeNull();
  });

  it('gives no estimate while nothing moves, or with too few readings', () => {
    expect(estimateCompletion(readings(() => 40, 5 * MIN, 6))).toBeNull();
    expect(estimateCompletion([{ at: 0, percentage: 10 }])).toBeNull();
    expect(estimateCompletion([])).toBeNull();
  });

  it('is sure of a steady export after many readings', () => {
    const late = estimateCompletion(readings((t) => Math.floor((t / (60 * MIN)) * 100), 5 * MIN, 10));
    expect(Math.abs((late ?? 0) - 60 * MIN)).toBeLessThan(3 * MIN);
  });

  it('keeps only the most recent readings, so it follows a change of pace', () => {
    let samples: ProgressSample[] = [];
    for (let i = 0; i < 30; i++) samples = withSample(samples, { at: i, percentage: i });
    expect(samples).toHaveLength(SAMPLES_KEPT);
    expect(samples[0]?.at).toBe(30 - SAMPLES_KEPT);
  });

  it('records a reading only when the percentage moved', () => {
    let samples: ProgressSample[] = [];
    for (const [at, percentage] of [
      [0, 0],
      [1, 0],
      [2, 25],
      [3, 25],
      [4, 25],
      [5, 50],
    ] as const) {
      samples = withSample(samples, { at, percentage });
    }
    expect(samples).toEqual([
      { at: 0, percentage: 0 },
      { at: 2, percentage: 25 },
      { at: 5, percentage: 50 },
    ]);
  });
});
