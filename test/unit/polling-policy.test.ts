import { describe, expect, it } from 'vitest';
import { trackInVirtualTime } from '../../bench/policy-lab.js';
import { seeded } from '../../src/dev/seeded-random.js';
import type { ExportScenarioInput } from '../../src/simulator/scenario.js';
import { nextPollDelay, type PollingObservation } from '../../src/workflows/polling-policy.js';

const constant = (value: number) => () => value;

const policy = { minIntervalMs: 10_000, maxIntervalMs: 300_000 };

describe('nextPollDelay', () => {
  it('always stays within [minIntervalMs, maxIntervalMs]', () => {
    const policies = [
      policy,
      { minIntervalMs: 100, maxIntervalMs: 150 },
      { minIntervalMs: 1_000, maxIntervalMs: 1_000_000 },
      { minIntervalMs: 7, maxIntervalMs: 13 },
    ];
    const rng = seeded(0xc10dd);
    let checked = 0;
    for (const p of policies) {
      for (let unchangedPolls = 0; unchangedPolls <= 50; unchangedPolls++) {
        for (let i = 0; i < 40; i++) {
          const delay = nextPollDelay(p, { unchangedPolls }, rng);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(p.minIntervalMs);
          expect(delay).toBeLessThanOrEqual(p.maxIntervalMs);
          checked++;
        }
        // The edges of the random range as well.
        for (const r of [0, 0.999_999, 1]) {
          const delay = nextPollDelay(p, { unchangedPolls }, constant(r));
          expect(delay).toBeGreaterThanOrEqual(p.minIntervalMs);
          expect(delay).toBeLessThanOrEqual(p.maxIntervalMs);
        }
      }
    }
    expect(checked).toBe(policies.length * 51 * 40);
  });

  it('is exactly minInterval right after a change without jitter', () => {
    expect(nextPollDelay(policy, { unchangedPolls: 0 }, constant(0))).toBe(10_000);
  });

  it('is minInterval right after a change whatever the jitter (jitter cannot go below min)', () => {
    const rng = seeded(42);
    for (let i = 0; i < 100; i++) {
      expect(nextPollDelay(policy, { unchangedPolls: 0 }, rng)).toBe(10_000);
    }
  });

  it('treats a negative unchangedPolls like 0', () => {
    expect(nextPollDelay(policy, { unchangedPolls: -3 }, constant(0))).toBe(10_000);
  });

  it('doubles while nothing changes until it reaches the watch, then stays there', () => {
    const delays = Array.from({ length: 51 }, (_, unchangedPolls) =>
      nextPollDelay(policy, { unchangedPolls }, constant(0)),
    );
    expect(delays.slice(0, 4)).toEqual([10_000, 20_000, 40_000, 80_000]);
    // An export that shows nothing may still fail or finish at any moment: a third of maxInterval.
    const firstAtWatch = delays.indexOf(100_000);
    expect(firstAtWatch).toBe(4);
    expect(delays.slice(firstAtWatch).every((d) => d === 100_000)).toBe(true);
  });

  it('lets the watch widen to an eighth of the time tracked, up to maxInterval', () => {
    const at = (msSinceStart: number) =>
      nextPollDelay(policy, { unchangedPolls: 50, msSinceStart }, constant(0));
    expect(at(400_000)).toBe(100_000);
    expect(at(1_600_000)).toBe(200_000);
    expect(at(24 * 3_600_000)).toBe(300_000);
  });

  it('lets jitter only lower the delay, never below minInterval', () => {
    for (let unchangedPolls = 0; unchangedPolls <= 50; unchangedPolls++) {
      const noJitter = nextPollDelay(policy, { unchangedPolls }, constant(0));
      const fullJitter = nextPollDelay(policy, { unchangedPolls }, constant(1));
      const halfJitter = nextPollDelay(policy, { unchangedPolls }, constant(0.5));
      expect(fullJitter).toBeLessThanOrEqual(halfJitter);
      expect(halfJitter).toBeLessThanOrEqual(noJitter);
      expect(fullJitter).toBeGreaterThanOrEqual(policy.minIntervalMs);
    }
  });

  it('actually applies jitter once the interval has widened', () => {
    const noJitter = nextPollDelay(policy, { unchangedPolls: 50 }, constant(0));
    const fullJitter = nextPollDelay(policy, { unchangedPolls: 50 }, constant(1));
    expect(noJitter).toBe(100_000);
    expect(fullJitter).toBeLessThan(noJitter);
  });

  it('returns exactly the interval when minInterval equals maxInterval', () => {
    const fixed = { minIntervalMs: 5_000, maxIntervalMs: 5_000 };
    const rng = seeded(7);
    for (let unchangedPolls = 0; unchangedPolls <= 50; unchangedPolls++) {
      expect(nextPollDelay(fixed, { unchangedPolls }, rng)).toBe(5_000);
      expect(nextPollDelay(fixed, { unchangedPolls }, constant(0))).toBe(5_000);
      expect(nextPollDelay(fixed, { unchangedPolls }, constant(1))).toBe(5_000);
    }
  });
});

describe('nextPollDelay, from the window where the end can fall', () => {
  const second = 1_000;
  const p = { minIntervalMs: second, maxIntervalMs: 300 * second };
  const at = (observation: PollingObservation) => nextPollDelay(p, observation, constant(0));
  /** A hold the readings prove, in seconds: how long, after how long running, how far from the end at the old pace. */
  const hold = (held: number, ranBefore: number, toEnd: number) => ({
    msStalled: held * second,
    msRanBefore: ranBefore * second,
    msToEndAtPaceBefore: toEnd * second,
    certain: true,
  });

  it('waits for the window to open, but looks in at least three times per maxInterval', () => {
    const steady = (msToSoonest: number, msToLatest: number) =>
      at({ unchangedPolls: 0, steady: { msToSoonest, msToLatest } });
    // A 6 s window 20 s ahead: one even share of it (min 1 s) after it opens.
    expect(steady(20 * second, 26 * second)).toBe(21 * second);
    // Far ahead: a failure or a speed-up in between would show within a third of maxInterval.
    expect(steady(200 * second, 260 * second)).toBe(100 * second);
  });

  it('polls once at the far edge of a window no wider than minInterval', () => {
    expect(at({ unchangedPolls: 0, steady: { msToSoonest: 2 * second, msToLatest: 2.5 * second } })).toBe(
      2.5 * second,
    );
  });

  it('spreads polls evenly across a bounded window, out with the time open across an unbounded one', () => {
    expect(at({ unchangedPolls: 1, steady: { msToSoonest: -second, msToLatest: 60 * second } })).toBe(
      10 * second,
    );
    expect(
      at({ unchangedPolls: 3, steady: { msToSoonest: -8 * second, msToLatest: Number.POSITIVE_INFINITY } }),
    ).toBe(4 * second);
    expect(
      at({ unchangedPolls: 1, steady: { msToSoonest: -second, msToLatest: Number.POSITIVE_INFINITY } }),
    ).toBe(second);
  });

  it('widens with how late the export is once the window has passed', () => {
    expect(at({ unchangedPolls: 5, steady: { msToSoonest: -60 * second, msToLatest: -20 * second } })).toBe(
      10 * second,
    );
  });

  it('polls again soon after a change of pace, to learn the new one, and by the end a speed-up allows', () => {
    const changed = (msUncertain: number, msToLatest: number) =>
      at({ unchangedPolls: 0, changed: { msSinceSeen: 0, msUncertain, msToLatest } });
    expect(changed(8 * second, Number.POSITIVE_INFINITY)).toBe(4 * second);
    expect(changed(0, Number.POSITIVE_INFINITY)).toBe(second);
    expect(changed(8 * second, 3 * second)).toBe(3 * second);
  });

  it('never waits longer than the watch, whatever the readings foretell', () => {
    const watch = 100 * second;
    expect(
      at({ unchangedPolls: 0, changed: { msSinceSeen: 0, msUncertain: 600 * second, msToLatest: Infinity } }),
    ).toBe(watch);
    expect(at({ unchangedPolls: 9, stalled: hold(1_000, 1_000, 1_000) })).toBe(watch);
    expect(at({ unchangedPolls: 5, steady: { msToSoonest: -600 * second, msToLatest: -400 * second } })).toBe(
      watch,
    );
    expect(
      at({
        unchangedPolls: 9,
        msSinceStart: 2_400 * second,
        stalled: hold(1_000, 1_400, 1_000),
      }),
    ).toBe(250 * second);
  });

  it('polls a stall often enough to see it resume at eight times its old pace, less often as it ages', () => {
    expect(at({ unchangedPolls: 2, stalled: hold(10, 10, 120) })).toBe(15 * second);
    expect(at({ unchangedPolls: 9, stalled: hold(200, 100, 60) })).toBe(50 * second);
  });

  it('sees an export that resumes at its old pace no later than an even share of its time scale after that pace would end', () => {
    // Held 400 s after 100 s of running, 40 s from the end at its old pace: a quarter of the hold
    // (100 s) would see it resume too late; 40 s plus 400 s / 32 does not.
    expect(at({ unchangedPolls: 9, stalled: hold(400, 100, 40) })).toBe(52_500);
  });

  it('watches a hold near the end evenly, at a share of the longer of how long it ran and how long it held', () => {
    // A second from the end at its old pace: no spacing sees it resume before the end, so the end
    // itself is watched for, every 320 s / 32 from the start of the hold, then every 640 s / 32.
    expect(at({ unchangedPolls: 3, stalled: hold(8, 320, 1) })).toBe(10 * second);
    expect(at({ unchangedPolls: 9, stalled: hold(160, 320, 1) })).toBe(11 * second);
    expect(at({ unchangedPolls: 9, stalled: hold(640, 320, 1) })).toBe(21 * second);
  });

  it('polls a hold that readings going back may hide as a stall, up to when its old pace would end', () => {
    const uncertain = { ...hold(8, 320, 1), certain: false };
    expect(at({ unchangedPolls: 3, stalled: uncertain })).toBe(2 * second);
    expect(at({ unchangedPolls: 9, stalled: { ...uncertain, msStalled: 160 * second } })).toBe(11 * second);
  });
});

describe('tracking exports of every shape in virtual time', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const policy = { minIntervalMs: 10_000, maxIntervalMs: 5 * MIN };
  /** Polling at minInterval would make 360 calls an hour; maxInterval alone makes 12. */
  const TENTH_OF_POLLING_AT_MIN = HOUR / policy.minIntervalMs / 10;
  const track = (scenario: ExportScenarioInput) => trackInVirtualTime({ scenario, ...policy }, seeded(11));

  it('polls a steady hour-long export a handful of times, noticing the end within minInterval', () => {
    const { calls, latencyMs } = track({ durationMs: HOUR });
    expect(calls).toBeLessThan(TENTH_OF_POLLING_AT_MIN);
    expect(latencyMs).toBeLessThanOrEqual(policy.minIntervalMs);
  });

  it('notices the last of a few big jumps within a small share of a step', () => {
    // The last jump can come anywhere in a window as wide as a step (15 min), polled evenly.
    const { calls, latencyMs } = track({ durationMs: HOUR, curve: 'steps', steps: 4 });
    expect(calls).toBeLessThan(TENTH_OF_POLLING_AT_MIN);
    expect(latencyMs).toBeLessThanOrEqual(2 * policy.minIntervalMs);
  });

  it('picks the pace up after a stall, or a burst several times faster', () => {
    const held = track({ durationMs: HOUR, stall: { atPercent: 40, forMs: 30 * MIN } });
    expect(held.calls).toBeLessThan(1.5 * TENTH_OF_POLLING_AT_MIN);
    expect(held.latencyMs).toBeLessThanOrEqual(policy.minIntervalMs);
    const burst = track({
      durationMs: HOUR,
      path: [
        [0.3, 40],
        [0.85, 40],
      ],
    });
    expect(burst.calls).toBeLessThan(TENTH_OF_POLLING_AT_MIN);
    expect(burst.latencyMs).toBeLessThanOrEqual(policy.minIntervalMs);
  });

  it('sees through readings that wander 5 points either way', () => {
    const { calls, latencyMs } = track({
      durationMs: HOUR,
      noise: { amplitude: 5, everyMs: 20_000, seed: 3 },
    });
    expect(calls).toBeLessThan(2 * TENTH_OF_POLLING_AT_MIN);
    expect(latencyMs).toBeLessThanOrEqual(2 * policy.minIntervalMs);
  });

  it('notices the end of an export held at 99 % for most of an hour within a thirty-second of its time scale', () => {
    const { calls, latencyMs } = track({ durationMs: HOUR, path: [[0.4, 99]] });
    expect(calls).toBeLessThan(2 * TENTH_OF_POLLING_AT_MIN);
    expect(latencyMs).toBeLessThanOrEqual(HOUR / 32);
  });

  it('notices an export that shows nothing until done, or speeds up unannounced, within maxInterval', () => {
    for (const scenario of [
      { durationMs: HOUR, curve: 'steps', steps: 1 },
      { durationMs: HOUR, path: [[0.7, 15]] },
    ] satisfies ExportScenarioInput[]) {
      const { calls, latencyMs } = track(scenario);
      expect(calls).toBeLessThan(TENTH_OF_POLLING_AT_MIN);
      expect(latencyMs).toBeLessThanOrEqual(policy.maxIntervalMs);
    }
  });
});
