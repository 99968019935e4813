/**
 * Additive increase, multiplicative decrease of a project's share of its quota, as TCP does with
 * its window: an overload halves the share once, and the share then grows back a step at a time.
 * Pure, so the budget keeper's decisions are unit-tested and replay the same.
 */
export interface AimdState {
  /** Share of the quota in use, from FLOOR_SHARE to 1. */
  share: number;
  throttles: number;
  decreases: number;
  /** When the last decrease took effect; refusals of requests sent before it answer the old rate. */
  loweredAt?: number;
  /** When the share grows by the next step; null at full share. */
  nextRecoveryAt: number | null;
}

/** The share never falls below this: the project keeps making progress, slowly. */
export const FLOOR_SHARE = 1 / 16;
/** The share regains a sixth of the quota every 10 s: full rate within a minute of the last decrease. */
export const RECOVERY_STEP_MS = 10_000;
export const RECOVERY_PER_STEP = 1 / 6;

export function initialAimd(share = 1, now = 0): AimdState {
  return { share, throttles: 0, decreases: 0, nextRecoveryAt: share < 1 ? now + RECOVERY_STEP_MS : null };
}

/**
 * A 429 from the gateway for a request sent at `sentAt`. A request sent before the last decrease
 * took effect was refused at the old rate: the same overload, already answered.
 */
export function afterThrottle(state: AimdState, sentAt: number, now: number): AimdState {
  const throttles = state.throttles + 1;
  if (state.loweredAt !== undefined && sentAt < state.loweredAt) return { ...state, throttles };
  return {
    share: Math.max(FLOOR_SHARE, state.share / 2),
    throttles,
    decreases: state.decreases + 1,
    loweredAt: now,
    nextRecoveryAt: now + RECOVERY_STEP_MS,
  };
}

/** One step of recovery, when `nextRecoveryAt` has come. */
export function afterRecoveryStep(state: AimdState, now: number): AimdState {
  // Sixths do not add up to exactly 1 in floating point.
  const grown = state.share + RECOVERY_PER_STEP;
  const share = grown > 1 - 1e-9 ? 1 : grown;
  return { ...state, share, nextRecoveryAt: share < 1 ? now + RECOVERY_STEP_MS : null };
}
