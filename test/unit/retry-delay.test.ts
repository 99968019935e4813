import { describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../src/activities/failures.js';
import {
  type BackoffSettings,
  DEFAULT_BACKOFF,
  heldBackRetryDelay,
  throttledRetryDelay,
  transientRetryDelay,
} from '../../src/activities/retry-delay.js';
import { TransientFailureType } from '../../src/contract/index.js';
import { seeded } from '../../src/simulator/seeded-random.js';

const constant = (value: number) => () => value;

const settings: BackoffSettings = { transientBaseMs: 1_000, throttledBaseMs: 2_000, maxMs: 60_000 };

describe('DEFAULT_BACKOFF', () => {
  it('starts throttled waits within the 2-5 s Huawei advises and caps at a minute', () => {
    expect(DEFAULT_BACKOFF.throttledBaseMs).toBeGreaterThanOrEqual(2_000);
    expect(DEFAULT_BACKOFF.throttledBaseMs).toBeLessThanOrEqual(5_000);
    expect(DEFAULT_BACKOFF.maxMs).toBe(60_000);
  });
});

describe('transientRetryDelay', () => {
  it('never goes below a tenth of the base, even with random 0', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(transientRetryDelay(attempt, undefined, settings, constant(0))).toBe(100);
    }
  });

  it('is the cap base * 2^(attempt-1) with random 1', () => {
    expect(transientRetryDelay(1, undefined, settings, constant(1))).toBe(1_000);
    expect(transientRetryDelay(2, undefined, settings, constant(1))).toBe(2_000);
    expect(transientRetryDelay(3, undefined, settings, constant(1))).toBe(4_000);
    expect(transientRetryDelay(4, undefined, settings, constant(1))).toBe(8_000);
    expect(transientRetryDelay(6, undefined, settings, constant(1))).toBe(32_000);
  });

  it('is capped by maxMs', () => {
    expect(transientRetryDelay(7, undefined, settings, constant(1))).toBe(60_000);
    expect(transientRetryDelay(30, undefined, settings, constant(1))).toBe(60_000);
    expect(transientRetryDelay(1, undefined, { ...settings, maxMs: 500 }, constant(1))).toBe(500);
  });

  it('scales linearly with the random value inside the cap', () => {
    expect(transientRetryDelay(3, undefined, settings, constant(0.5))).toBe(2_000);
    expect(transientRetryDelay(3, undefined, settings, constant(0.25))).toBe(1_000);
  });

  it('grows per attempt', () => {
    const caps = [1, 2, 3, 4, 5, 6].map((attempt) =>
      transientRetryDelay(attempt, undefined, settings, constant(1)),
    );
    for (let i = 1; i < caps.length; i++) {
      expect(caps[i]).toBeGreaterThan(caps[i - 1] as number);
    }
  });

  it('always lies in [base/10, min(max, base * 2^(attempt-1))]', () => {
    const rng = seeded(1234);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const cap = Math.min(settings.maxMs, settings.transientBaseMs * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const delay = transientRetryDelay(attempt, undefined, settings, rng);
        expect(delay).toBeGreaterThanOrEqual(settings.transientBaseMs / 10);
        expect(delay).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('is never sooner than a Retry-After sent with a 5xx', () => {
    expect(transientRetryDelay(1, 7_000, settings, constant(0))).toBe(7_000);
    expect(transientRetryDelay(1, 7_000, settings, constant(1))).toBe(7_000);
    expect(transientRetryDelay(7, 7_000, settings, constant(1))).toBe(60_000);
  });
});

describe('throttledRetryDelay', () => {
  describe('with Retry-After', () => {
    it('is Retry-After exactly with random 0, however many refusals came before', () => {
      for (const refusals of [1, 2, 5, 20]) {
        expect(throttledRetryDelay(refusals, 7_000, settings, constant(0))).toBe(7_000);
        expect(throttledRetryDelay(refusals, 3_000, settings, constant(0))).toBe(3_000);
      }
    });

    it('adds a tenth of the wait at most, between a quarter second and a second', () => {
      expect(throttledRetryDelay(1, 3_000, settings, constant(1))).toBe(3_300);
      expect(throttledRetryDelay(1, 1_000, settings, constant(1))).toBe(1_250);
      expect(throttledRetryDelay(1, 120_000, settings, constant(1))).toBe(121_000);
    });

    it('lets a Retry-After of 0 mean soon, spread over a quarter second', () => {
      expect(throttledRetryDelay(4, 0, settings, constant(0))).toBe(0);
      expect(throttledRetryDelay(4, 0, settings, constant(1))).toBe(250);
    });

    it('is never sooner than Retry-After nor more than a second later, for random values', () => {
      const rng = seeded(5);
      for (const retryAfterMs of [1, 500, 2_000, 59_999, 60_000, 60_001, 3_600_000]) {
        for (let i = 0; i < 50; i++) {
          const delay = throttledRetryDelay(1 + (i % 10), retryAfterMs, settings, rng);
          expect(delay).toBeGreaterThanOrEqual(retryAfterMs);
          expect(delay).toBeLessThanOrEqual(retryAfterMs + 1_000);
        }
      }
    });
  });

  describe('without Retry-After', () => {
    it('is full jitter up to throttledBaseMs for the first refusal, never under a tenth of it', () => {
      expect(throttledRetryDelay(1, undefined, settings, constant(1))).toBe(2_000);
      expect(throttledRetryDelay(1, undefined, settings, constant(0.5))).toBe(1_000);
      expect(throttledRetryDelay(1, undefined, settings, constant(0))).toBe(200);
    });

    it('doubles its cap per refusal in a row, up to maxMs', () => {
      expect(throttledRetryDelay(2, undefined, settings, constant(1))).toBe(4_000);
      expect(throttledRetryDelay(4, undefined, settings, constant(1))).toBe(16_000);
      expect(throttledRetryDelay(30, undefined, settings, constant(1))).toBe(60_000);
    });

    it('spreads retries over the whole window', () => {
      const rng = seeded(11);
      const delays = Array.from({ length: 400 }, () => throttledRetryDelay(3, undefined, settings, rng));
      expect(Math.min(...delays)).toBeLessThan(1_000);
      expect(Math.max(...delays)).toBeGreaterThan(7_000);
      expect(Math.max(...delays)).toBeLessThanOrEqual(8_000);
    });

    it('uses the configured throttledBaseMs, not the transient base', () => {
      const custom = { transientBaseMs: 10, throttledBaseMs: 5_000, maxMs: 60_000 };
      expect(throttledRetryDelay(1, undefined, custom, constant(1))).toBe(5_000);
    });
  });
});

describe('a request held back by the worker’s own rate limit', () => {
  it('is retried when its turn would have come, with a little spread and no backoff', () => {
    expect(heldBackRetryDelay(3_000, () => 0)).toBe(3_000);
    expect(heldBackRetryDelay(3_000, () => 1)).toBe(3_600);
    expect(heldBackRetryDelay(undefined, () => 0)).toBe(50);
  });

  it('fails the attempt as throttled with that delay, whatever the attempt number', () => {
    const failure = toActivityFailure(
      'Log export 1',
      { kind: 'held-back', message: 'not sent', retryAfterMs: 2_000, mayHaveArrived: false },
      { attempt: 9, now: 0, giveUpAt: 60_000 },
      DEFAULT_BACKOFF,
      () => 0,
    );
    expect(failure).toMatchObject({
      type: TransientFailureType.CloudDCThrottled,
      nonRetryable: false,
      nextRetryDelay: 2_000,
    });
  });
});
