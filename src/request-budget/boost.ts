import { boostedDispatchRate, dispatchRateForQuota } from './contract.js';

/**
 * A project with a standing backlog runs at `boostedDispatchRate` instead of `dispatchRateForQuota`
 * (17.1 a second instead of 9 at a quota of 20). The lower rate exists because Temporal's per-key
 * limiter lets a key that fell behind its limit catch up by one second's worth at once: at the
 * full rate that would put two seconds' worth into one. A key only falls behind when it has no task ready at its turn, so the
 * boost keeps pace holders queued (no-op activities of the project, behind every real call) from
 * before the rate rises until after it is back down: every turn the project's calls leave unused,
 * a holder takes, and the key never falls behind.
 *
 * The phases: `priming` (holders queued at the normal rate; any catch-up the key had saved is
 * spent within the limiter's one second, `PRIME_MS`), `on` (the high rate), `cooling` (the normal
 * rate asked for; holders stay until the task queue has it, and `SETTLE_MS` more). Holders that
 * take turns are gaps in the backlog: half the turns in `GAP_WINDOW_MS` ends the boost. A backlog
 * with gaps is still one: a fleet's demand comes in waves (its exports end, and the next start,
 * together), and holders filling the troughs keep the key as safe as a full backlog does.
 *
 * A key also falls behind when its tasks are ready and no worker asks for them: workers short of
 * CPU or of activity slots. Holders cannot help there, so the rate rises only while the workers
 * are seen to take (nearly) every turn of the rate they have (`keepsPace`, from the turns they
 * report): priming that does not see it within `PRIME_LIMIT_MS`, or a boost that stops seeing
 * it, ends, and none starts for `BEHIND_REST_MS`. At the normal rate a key a whole second behind
 * still keeps the bound, so the workers that are the project's bound are left at it.
 */
export type BoostPhase = 'off' | 'priming' | 'on' | 'cooling';

export interface Boost {
  phase: BoostPhase;
  /** When the phase began (epoch ms). */
  since: number;
  /** When holders took turns lately (epoch ms). */
  gaps: number[];
  /** While cooling: when the task queue confirmed the normal rate; null before. */
  loweredAt: number | null;
  /** No boost starts before this: a backlog that just faded is not boosted again at once. */
  notBefore: number;
}

/** Longer than the one second the server's limiter lets a key catch up by. */
export const PRIME_MS = 1_500;
/**
 * Priming ends without a boost if the workers have not been seen keeping pace by then: every
 * worker reports its turns once a `PACE_WINDOW_MS` window (2 s) while the project's calls wait,
 * and the keeper judges a window a second after it closed (`worker-pace.ts`), so by then two
 * windows or more have been judged.
 */
export const PRIME_LIMIT_MS = 6_000;
/**
 * The workers took at least this share of the turns their rate gives: they keep up. A report's
 * count is off by about a turn in a window (`PACE_WINDOW_MS`), a tenth of a key's turns at a quota
 * of 20 over three workers; the 15 % left covers that and no more.
 */
export const KEEP_PACE_SHARE = 0.85;
/**
 * After the workers fell behind: they lack CPU or slots for the project, which does not pass in
 * a few seconds, and each boost tried on them may spend a second's saved turns at once.
 */
export const BEHIND_REST_MS = 30_000;
export const GAP_WINDOW_MS = 2_000;
/** After the task queue has the normal rate: the matching service applies it on its next dispatch. */
export const SETTLE_MS = 1_000;
/**
 * Between the end of a boost and the next: long enough that a boost ends and starts at most every
 * few seconds (two weight changes each), short enough that a fleet whose demand dipped is not held
 * at the normal rate for long (each second at it costs the project 8 calls at a quota of 20).
 */
export const REST_MS = 5_000;

export function noBoost(): Boost {
  return { phase: 'off', since: 0, gaps: [], loweredAt: null, notBefore: 0 };
}

/** Only where it gains something: from a quota of 2 up, the boosted rate is half as much again or more. */
export function worthBoosting(quota: number): boolean {
  return boostedDispatchRate(quota) >= 1.5 * dispatchRateForQuota(quota);
}

/**
 * Holders to keep queued: a second of turns at the boosted rate, so gaps are covered while the
 * keeper replaces the holders they used, even when its workflow tasks wait on a busy worker.
 */
export function paceHolderCount(boost: Boost, quota: number): number {
  return boost.phase === 'off' ? 0 : Math.max(2, Math.ceil(boostedDispatchRate(quota)));
}

/** Gaps within `GAP_WINDOW_MS` that end a boost: half its turns went unused, the backlog is gone. */
export function gapLimit(quota: number): number {
  return Math.max(2, Math.ceil((boostedDispatchRate(quota) * GAP_WINDOW_MS) / 2_000));
}

/** A call waited for its turn: start priming, if the project may be boosted now. */
export function afterBacklog(boost: Boost, now: number, eligible: boolean): Boost {
  if (boost.phase !== 'off' || !eligible || now < boost.notBefore) return boost;
  return { phase: 'priming', since: now, gaps: [], loweredAt: null, notBefore: boost.notBefore };
}

/** A holder took a turn. */
export function afterGap(boost: Boost, now: number, quota: number): Boost {
  if (boost.phase === 'off') return boost;
  const gaps = [...boost.gaps.filter((at) => at > now - GAP_WINDOW_MS), now];
  const next = { ...boost, gaps };
  return (next.phase === 'priming' || next.phase === 'on') && gaps.length >= gapLimit(quota)
    ? cooled(next, now)
    : next;
}

/**
 * The boost ends: the backlog faded, the gateway refused a call, the quota changed, or the keeper
 * is about to continue as new. A boost still priming never raised the rate: it is already low.
 */
export function cooled(boost: Boost, now: number, restMs = REST_MS): Boost {
  if (boost.phase === 'off' || boost.phase === 'cooling') return boost;
  return {
    ...boost,
    phase: 'cooling',
    since: now,
    loweredAt: boost.phase === 'priming' ? now : null,
    notBefore: now + restMs,
  };
}

/** Whether the workers took enough of the turns `rate` gives (`turnsPerSecond`, undefined: not seen). */
export function keepsPace(turnsPerSecond: number | undefined, rate: number): boolean {
  return turnsPerSecond !== undefined && turnsPerSecond >= KEEP_PACE_SHARE * rate;
}

/**
 * The workers' turns while boosted (counted after the task queue had the high rate): if they fall
 * short of it, the boost ends and rests `BEHIND_REST_MS`. None counted yet changes nothing: calls
 * that do not wait send no counts, and a key whose calls do not wait is not behind.
 */
export function afterBoostedPace(
  boost: Boost,
  now: number,
  turnsPerSecond: number | undefined,
  rate: number,
): Boost {
  if (boost.phase !== 'on' || turnsPerSecond === undefined || keepsPace(turnsPerSecond, rate)) return boost;
  return cooled(boost, now, BEHIND_REST_MS);
}

/** The task queue has the normal rate again. */
export function afterLowered(boost: Boost, now: number): Boost {
  return boost.phase === 'cooling' && boost.loweredAt === null ? { ...boost, loweredAt: now } : boost;
}

/**
 * Priming ends in the high rate once primed while the workers keep pace with the normal one
 * (`keepingPace`), or, at `PRIME_LIMIT_MS` without that, in none; cooling, once settled, in none.
 */
export function boostAt(boost: Boost, now: number, keepingPace: boolean): Boost {
  if (boost.phase === 'priming') {
    if (now >= boost.since + PRIME_MS && keepingPace) return { ...boost, phase: 'on', since: now };
    return now >= boost.since + PRIME_LIMIT_MS ? cooled(boost, now, BEHIND_REST_MS) : boost;
  }
  const stepAt = nextBoostStepAt(boost, now);
  if (stepAt === undefined || now < stepAt) return boost;
  return { ...boost, phase: 'off', since: now, gaps: [], loweredAt: null };
}

/** When `boostAt` may move the boost on by itself next, if it will. */
export function nextBoostStepAt(boost: Boost, now: number): number | undefined {
  if (boost.phase === 'priming')
    return now < boost.since + PRIME_MS ? boost.since + PRIME_MS : boost.since + PRIME_LIMIT_MS;
  if (boost.phase === 'cooling' && boost.loweredAt !== null) return boost.loweredAt + SETTLE_MS;
  return undefined;
}

/** Whether the task queue should hold the boosted rate. */
export function holdsBoostedRate(boost: Boost): boolean {
  return boost.phase === 'on';
}
