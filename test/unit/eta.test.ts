import { describe, expect, it } from 'vitest';
import { seeded } from '../../src/dev/seeded-random.js';
import {
  estimateCompletion,
  type ProgressSample,
  SAMPLES_KEPT,
  withSample,
} from '../../src/workflows/eta.js';
import { nextPollDelay } from '../../src/workflows/polling-policy.js';

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
    expect(eta?.at).toBe(60 * MIN);
  });

  it('stays close through noisy readings', () => {
    const random = seeded(42);
    const noisy = readings((t) => (t / (60 * MIN)) * 100 + (random() - 0.5) * 6, 3 * MIN, 10);
    const eta = estimateCompletion(noisy);
    expect(Math.abs((eta?.at ?? 0) - 60 * MIN)).toBeLessThan(8 * MIN);
    expect(Math.abs((eta?.at ?? 0) - 60 * MIN)).toBeLessThanOrEqual(eta?.uncertaintyMs ?? 0);
  });

  it('reads a stepwise export by its average pace, not its last jump', () => {
    const steps = readings((t) => Math.floor(t / (15 * MIN)) * 25, 5 * MIN, 10);
    const eta = estimateCompletion(steps);
    expect(Math.abs((eta?.at ?? 0) - 60 * MIN)).toBeLessThan(15 * MIN);
  });

  it('picks the pace up again as soon as progress resumes after a stall', () => {
    // 1 % a minute to 30 %, stuck for 40 minutes, then 1 % a minute again: done at 140 minutes.
    const curve = (t: number) => (t < 30 * MIN ? t / MIN : t < 70 * MIN ? 30 : 30 + (t - 70 * MIN) / MIN);
    const eta = estimateCompletion(readings(curve, 5 * MIN, 17));
    expect(Math.abs((eta?.at ?? 0) - 140 * MIN)).toBeLessThan(5 * MIN);
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

  it('is vague after two early readings and sure after many', () => {
    const pace = (t: number) => Math.floor((t / (60 * MIN)) * 100);
    const early = estimateCompletion(readings(pace, MIN, 2));
    const late = estimateCompletion(readings(pace, 5 * MIN, 10));
    expect(early?.uncertaintyMs).toBeGreaterThan(30 * MIN);
    expect(late?.uncertaintyMs).toBeLessThan(3 * MIN);
    expect(Math.abs((late?.at ?? 0) - 60 * MIN)).toBeLessThanOrEqual(late?.uncertaintyMs ?? 0);
  });

  it('counts the time between polls as uncertainty while a stepwise export has shown little', () => {
    // 20 % steps every 12 minutes, first seen 20 minutes in: it could be anywhere from 10 to 20.
    const steps = estimateCompletion(readings((t) => Math.floor(t / (12 * MIN)) * 20, 10 * MIN, 3));
    const smooth = estimateCompletion(readings((t) => t / (0.6 * MIN), 10 * MIN, 3));
    expect(steps?.uncertaintyMs).toBeGreaterThan((smooth?.uncertaintyMs ?? 0) * 3);
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

describe('nextPollDelay with an estimate', () => {
  const policy = { minIntervalMs: 10_000, maxIntervalMs: 5 * MIN };
  const noJitter = () => 0;

  it('waits the longest interval while the end is far', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 60 * MIN }, noJitter)).toBe(5 * MIN);
  });

  it('halves the time left while the estimate is vague, down to the shortest interval', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 4 * MIN }, noJitter)).toBe(2 * MIN);
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: 8_000 }, noJitter)).toBe(10_000);
  });

  it('waits until two uncertainties before a sure estimate', () => {
    const sure = { unchangedPolls: 0, msToEta: 4 * MIN, etaUncertaintyMs: 30_000 };
    expect(nextPollDelay(policy, sure, noJitter)).toBe(3 * MIN);
  });

  it('widens from the expected end once the estimate is overdue', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 9, msToEta: -1_000 }, noJitter)).toBe(10_000);
    expect(nextPollDelay(policy, { unchangedPolls: 9, msToEta: -60_000 }, noJitter)).toBe(30_000);
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: -60 * MIN }, noJitter)).toBe(5 * MIN);
  });

  it('ignores an estimate that is not a number', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0, msToEta: Number.NaN }, noJitter)).toBe(10_000);
  });

  it('widens with each unchanged poll without an estimate', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 2, msToEta: null }, noJitter)).toBe(22_500);
    expect(nextPollDelay(policy, { unchangedPolls: 2 }, noJitter)).toBe(22_500);
  });
});

/**
 * Tracks one export whose whole-number percentage follows `curve` until `endsAt`, as the workflow
 * does (readings, estimate, delay), and returns the polls made and how late the end was noticed.
 */
function track(
  curve: (t: number) => number,
  endsAt: number,
  policy: { minIntervalMs: number; maxIntervalMs: number },
) {
  const random = seeded(7);
  let t = 0;
  let samples: ProgressSample[] = [];
  let polls = 0;
  let unchangedPolls = 0;
  let previous: number | undefined;
  while (true) {
    polls += 1;
    if (t >= endsAt) return { polls, lateMs: t - endsAt };
    const percentage = Math.floor(curve(t));
    const last = samples[samples.length - 1];
    unchangedPolls = last && last.percentage === percentage ? unchangedPolls + 1 : 0;
    samples = withSample(samples, {
      at: t,
      percentage,
      ...(previous === undefined ? {} : { after: previous }),
    });
    previous = t;
    const eta = estimateCompletion(samples);
    t += nextPollDelay(
      policy,
      { unchangedPolls, ...(eta ? { msToEta: eta.at - t, etaUncertaintyMs: eta.uncertaintyMs } : {}) },
      random,
    );
  }
}

describe('tracking simulated curves with the estimate', () => {
  const policy = { minIntervalMs: 10_000, maxIntervalMs: 5 * MIN };
  const hour = 60 * MIN;
  const everyMinInterval = hour / policy.minIntervalMs;

  it('polls a steady hour-long export a few times, noticing the end within minInterval', () => {
    const { polls, lateMs } = track((t) => (t / hour) * 100, hour, policy);
    expect(polls).toBeLessThan(everyMinInterval / 10);
    expect(lateMs).toBeLessThanOrEqual(policy.minIntervalMs);
  });

  it('follows a stepwise export by its average pace, noticing the last step soon after', () => {
    // A step is only known to have happened since the poll before, so the end is less certain.
    const { polls, lateMs } = track((t) => Math.floor(t / (hour / 8)) * 12.5, hour, policy);
    expect(polls).toBeLessThan(everyMinInterval / 3);
    expect(lateMs).toBeLessThanOrEqual(2 * policy.minIntervalMs);
  });

  it('widens through a stall and picks the pace up again after it', () => {
    // 40 % in 24 min, 30 min without progress, then the remaining 60 % at the same pace.
    const curve = (t: number) =>
      t < 24 * MIN ? t / (0.6 * MIN) : t < 54 * MIN ? 40 : 40 + (t - 54 * MIN) / (0.6 * MIN);
    const { polls, lateMs } = track(curve, 90 * MIN, policy);
    expect(polls).toBeLessThan((90 * MIN) / policy.minIntervalMs / 3);
    expect(lateMs).toBeLessThanOrEqual(policy.minIntervalMs);
  });

  it('notices an export that shows nothing until done within maxInterval', () => {
    const { polls, lateMs } = track(() => 0, hour, policy);
    expect(polls).toBeLessThan(everyMinInterval / 3);
    expect(lateMs).toBeLessThanOrEqual(policy.maxIntervalMs);
  });
});
