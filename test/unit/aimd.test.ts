import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterThrottle,
  FLOOR_SHARE,
  nextStepAt,
  RECOVERY_PER_SECOND,
  shareAt,
  startAimd,
} from '../../src/request-budget/aimd.js';

const STEP = 10_000;

describe("a project's share of its quota (AIMD)", () => {
  it('halves on an overload, once for every refusal of a request sent before the decrease took effect', () => {
    let state = afterThrottle(startAimd(), 1_000, 1_100);
    expect(state).toMatchObject({ base: 0.5, decreases: 1, throttles: 1, loweredAt: 1_100 });
    for (const sentAt of [1_000, 1_050, 1_100]) state = afterThrottle(state, sentAt, 1_200);
    expect(state).toMatchObject({ base: 0.5, decreases: 1, throttles: 4 });
    state = afterThrottle(state, 1_150, 1_300);
    expect(shareAt(state, 1_300)).toBeCloseTo((0.5 + RECOVERY_PER_SECOND * 0.2) / 2);
    expect(state).toMatchObject({ decreases: 2, throttles: 5, loweredAt: 1_300 });
  });

  it('never falls below the floor, so the project keeps moving', () => {
    let state = startAimd();
    for (let i = 0; i < 20; i++) state = afterThrottle(state, i * 1_000 + 1, i * 1_000 + 1);
    expect(state.base).toBe(FLOOR_SHARE);
  });

  it('grows back a sixth of the quota per 10 s step, to full share within a minute of the last decrease', () => {
    const state = afterThrottle(startAimd(), 0, 0);
    const shares: number[] = [];
    for (let at = nextStepAt(state, 0, STEP); at !== null; at = nextStepAt(state, at, STEP))
      shares.push(Math.round(shareAt(state, at, STEP) * 1000) / 1000);
    expect(shares).toEqual([0.667, 0.833, 1]);
    expect(shareAt(state, 29_999, STEP)).toBeCloseTo(0.833);
    expect(shareAt(state, 15_000)).toBeCloseTo(0.75);
  });

  it('starts a carried-over lowered share on its way back up', () => {
    expect(nextStepAt(startAimd(0.5, 5_000), 5_000, STEP)).toBe(5_000 + STEP);
    expect(nextStepAt(startAimd(1, 5_000), 5_000, STEP)).toBeNull();
  });

  const events = fc.array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: 90_000 }),
      sentBeforeMs: fc.integer({ min: 0, max: 5_000 }),
    }),
    { maxLength: 30 },
  );

  it('keeps the share between the floor and 1, and the stepped share at or below the continuous one (property)', () => {
    fc.assert(
      fc.property(events, fc.integer({ min: 0, max: 120_000 }), (throttles, probeMs) => {
        let state = startAimd();
        let now = 0;
        for (const { gapMs, sentBeforeMs } of throttles) {
          now += gapMs;
          state = afterThrottle(state, now - sentBeforeMs, now);
        }
        for (const stepMs of [0, STEP]) {
          const share = shareAt(state, now + probeMs, stepMs);
          expect(share).toBeGreaterThanOrEqual(FLOOR_SHARE);
          expect(share).toBeLessThanOrEqual(1);
        }
        expect(shareAt(state, now + probeMs, STEP)).toBeLessThanOrEqual(
          shareAt(state, now + probeMs) + 1e-12,
        );
      }),
    );
  });

  it('halves at most once per decrease: refusals of requests sent before it change nothing but the count (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: FLOOR_SHARE, max: 1, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 20 }),
        (share, sentBefore) => {
          const lowered = afterThrottle(startAimd(share, 50_000), 50_000, 50_000);
          let state = lowered;
          for (const ms of sentBefore) state = afterThrottle(state, 50_000 - ms, 50_000 + ms);
          expect(state.base).toBe(lowered.base);
          expect(state.decreases).toBe(1);
          expect(state.throttles).toBe(1 + sentBefore.length);
          expect(lowered.base).toBeCloseTo(Math.max(FLOOR_SHARE, share / 2), 12);
        },
      ),
    );
  });

  it('is whole again within a minute of the last decrease, stepped or not, and never shrinks without a 429 (property)', () => {
    fc.assert(
      fc.property(events, (throttles) => {
        let state = startAimd();
        let now = 0;
        for (const { gapMs } of throttles) {
          now += gapMs;
          state = afterThrottle(state, now, now);
        }
        for (const stepMs of [0, STEP]) {
          expect(shareAt(state, now + 60_000, stepMs)).toBe(1);
          let previous = 0;
          for (let t = now; t <= now + 60_000; t += 2_500) {
            const share = shareAt(state, t, stepMs);
            expect(share).toBeGreaterThanOrEqual(previous);
            previous = share;
          }
        }
        expect(nextStepAt(state, now + 60_000, STEP)).toBeNull();
      }),
    );
  });
});
