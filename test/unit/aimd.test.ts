import { describe, expect, it } from 'vitest';
import {
  afterRecoveryStep,
  afterThrottle,
  FLOOR_SHARE,
  initialAimd,
  RECOVERY_STEP_MS,
} from '../../src/workflows/aimd.js';

describe("a project's share of its quota (AIMD)", () => {
  it('halves on an overload, once for every refusal of a request sent before the decrease took effect', () => {
    let state = afterThrottle(initialAimd(), 1_000, 1_100);
    expect(state).toMatchObject({ share: 0.5, decreases: 1, throttles: 1, loweredAt: 1_100 });
    for (const sentAt of [1_000, 1_050, 1_099]) state = afterThrottle(state, sentAt, 1_200);
    expect(state).toMatchObject({ share: 0.5, decreases: 1, throttles: 4 });
    state = afterThrottle(state, 1_150, 1_300);
    expect(state).toMatchObject({ share: 0.25, decreases: 2, throttles: 5, loweredAt: 1_300 });
  });

  it('never falls below the floor, so the project keeps moving', () => {
    let state = initialAimd();
    for (let i = 0; i < 20; i++) state = afterThrottle(state, i * 1_000 + 1, i * 1_000 + 1);
    expect(state.share).toBe(FLOOR_SHARE);
  });

  it('grows back a sixth of the quota per step, to full share within a minute of the last decrease', () => {
    let state = afterThrottle(initialAimd(), 0, 0);
    let now = 0;
    const shares: number[] = [];
    while (state.nextRecoveryAt !== null) {
      now = state.nextRecoveryAt;
      state = afterRecoveryStep(state, now);
      shares.push(Math.round(state.share * 1000) / 1000);
    }
    expect(shares).toEqual([0.667, 0.833, 1]);
    expect(now).toBe(3 * RECOVERY_STEP_MS);
  });

  it('starts a carried-over lowered share on its way back up', () => {
    expect(initialAimd(0.5, 5_000)).toMatchObject({ share: 0.5, nextRecoveryAt: 5_000 + RECOVERY_STEP_MS });
    expect(initialAimd(1, 5_000).nextRecoveryAt).toBeNull();
  });
});
