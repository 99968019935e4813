import { describe, expect, it } from 'vitest';
import { seeded } from '../../src/dev/seeded-random.js';
import { nextPollDelay } from '../../src/workflows/polling-policy.js';

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

  it('grows while nothing changes until it reaches maxInterval, then stays there', () => {
    const delays = Array.from({ length: 51 }, (_, unchangedPolls) =>
      nextPollDelay(policy, { unchangedPolls }, constant(0)),
    );
    for (let i = 1; i < delays.length; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    }
    // It actually widens (not stuck at min) ...
    expect(delays[1]).toBeGreaterThan(10_000);
    expect(delays[5]).toBeGreaterThan(delays[1] as number);
    // ... strictly, until it hits the cap ...
    const firstAtMax = delays.indexOf(300_000);
    expect(firstAtMax).toBeGreaterThan(1);
    for (let i = 1; i < firstAtMax; i++) {
      expect(delays[i]).toBeGreaterThan(delays[i - 1] as number);
    }
    // ... and stays capped from there on.
    expect(delays.slice(firstAtMax).every((d) => d === 300_000)).toBe(true);
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
    expect(noJitter).toBe(300_000);
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
