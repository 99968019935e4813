/**
 * Additive increase, multiplicative decrease of a project's share of its quota, as TCP does with
 * its window: an overload halves the share once, and the share then grows back linearly, to the
 * whole quota within a minute of the last decrease. One rule for both pacers: the budget keeper
 * (a workflow, which writes the share to the task queue a step at a time) and the worker's
 * fallback limiter (which reads it at every turn). Pure, so both replay and unit-test the same.
 */
export interface Aimd {
  /** The share a decrease left (or a new run carried over), from FLOOR_SHARE to 1. */
  base: number;
  /** When the share started growing back from `base`. */
  since: number;
  /** When the last decrease took effect; refusals of requests sent before it answer the old rate. */
  loweredAt?: number;
  throttles: number;
  decreases: number;
}

/** The share never falls below this: the project keeps making progress, slowly. */
export const FLOOR_SHARE = 1 / 16;
/** Share of the quota regained per second after a decrease: full rate within a minute. */
export const RECOVERY_PER_SECOND = 1 / 60;

/** A share of `share` from `now` on, growing back if below 1. */
export function startAimd(share = 1, now = 0): Aimd {
  return { base: share, since: now, throttles: 0, decreases: 0 };
}

/**
 * The share at `now`. With `stepMs`, the share grows only at whole steps after `since` (the
 * keeper pays an activity for every change it writes, so it writes one per step).
 */
export function shareAt(state: Aimd, now: number, stepMs = 0): number {
  const elapsed = Math.max(0, now - state.since);
  const counted = stepMs > 0 ? Math.floor(elapsed / stepMs) * stepMs : elapsed;
  const grown = state.base + (RECOVERY_PER_SECOND * counted) / 1000;
  // Sixths and sixtieths do not add up to exactly 1 in floating point.
  return grown > 1 - 1e-9 ? 1 : grown;
}

/** When the stepped share next grows; null once it is whole. */
export function nextStepAt(state: Aimd, now: number, stepMs: number): number | null {
  if (shareAt(state, now, stepMs) >= 1) return null;
  return state.since + (Math.floor(Math.max(0, now - state.since) / stepMs) + 1) * stepMs;
}

/**
 * A 429 from the gateway for a request sent at `sentAt`. A request sent before (or as) the last
 * decrease took effect was refused at the old rate: the same overload, already answered.
 */
export function afterThrottle(state: Aimd, sentAt: number, now: number, stepMs = 0): Aimd {
  const throttles = state.throttles + 1;
  if (state.loweredAt !== undefined && sentAt <= state.loweredAt) return { ...state, throttles };
  return {
    base: Math.max(FLOOR_SHARE, shareAt(state, now, stepMs) / 2),
    since: now,
    loweredAt: now,
    throttles,
    decreases: state.decreases + 1,
  };
}
