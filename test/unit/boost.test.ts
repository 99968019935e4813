import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterBacklog,
  afterBoostedPace,
  afterGap,
  afterLowered,
  BEHIND_REST_MS,
  type Boost,
  boostAt,
  cooled,
  GAP_WINDOW_MS,
  gapLimit,
  holdsBoostedRate,
  KEEP_PACE_SHARE,
  keepsPace,
  nextBoostStepAt,
  noBoost,
  PRIME_LIMIT_MS,
  PRIME_MS,
  paceHolderCount,
  REST_MS,
  SETTLE_MS,
  worthBoosting,
} from '../../src/request-budget/boost.js';
import { boostedDispatchRate, dispatchRateForQuota } from '../../src/request-budget/contract.js';

type Event = { afterMs: number; kind: 'backlog' | 'gap' | 'throttle' | 'tick' | 'pace' | 'behind' };

/**
 * The keeper as `keeper-workflow.ts` drives the boost: one weight change at a time, each taking
 * `applyMs` to reach the task queue; a lowered rate reported back with `afterLowered`. The workers
 * keep pace with the rate until a `behind` event, and again from a `pace` event.
 */
function drive(quota: number, applyMs: number, events: Event[]) {
  let boost: Boost = noBoost();
  let now = 1_000_000;
  let applied = false;
  let loweredAt = Number.NEGATIVE_INFINITY;
  let inFlight: { boosted: boolean; doneAt: number } | undefined;
  let primingSince: number | undefined;
  let keeping = true;
  const RATE = 10;
  const turns = () => (keeping ? RATE : RATE / 2);
  const steps: Array<{
    now: number;
    boost: Boost;
    applied: boolean;
    loweredAt: number;
    keeping: boolean;
    primingSince?: number;
  }> = [];
  const settle = (until: number) => {
    for (;;) {
      if (inFlight && inFlight.doneAt <= until) {
        now = Math.max(now, inFlight.doneAt);
        applied = inFlight.boosted;
        if (!applied) {
          loweredAt = now;
          boost = afterLowered(boost, now);
        }
        inFlight = undefined;
      }
      if (applied) boost = afterBoostedPace(boost, now, turns(), RATE);
      boost = boostAt(boost, now, !applied && keepsPace(turns(), RATE));
      if (boost.phase === 'priming' && primingSince === undefined) primingSince = boost.since;
      if (boost.phase !== 'priming' && boost.phase !== 'on') primingSince = undefined;
      if (!inFlight && holdsBoostedRate(boost) !== applied)
        inFlight = { boosted: holdsBoostedRate(boost), doneAt: now + applyMs };
      else if (!inFlight && !applied && boost.phase === 'cooling' && boost.loweredAt === null)
        boost = afterLowered(boost, now);
      const nextAt = Math.min(
        inFlight?.doneAt ?? Number.POSITIVE_INFINITY,
        nextBoostStepAt(boost, now) ?? Number.POSITIVE_INFINITY,
      );
      steps.push({ now, boost, applied, loweredAt, keeping, ...(primingSince ? { primingSince } : {}) });
      if (nextAt > until) break;
      now = Math.max(now, nextAt);
    }
    now = until;
  };
  for (const event of events) {
    settle(now + event.afterMs);
    if (event.kind === 'backlog') boost = afterBacklog(boost, now, true);
    if (event.kind === 'gap') boost = afterGap(boost, now, quota);
    if (event.kind === 'throttle') boost = cooled(boost, now);
    if (event.kind === 'pace') keeping = true;
    if (event.kind === 'behind') keeping = false;
    settle(now);
  }
  settle(now + 60_000);
  return steps;
}

const events = fc.array(
  fc.record({
    afterMs: fc.integer({ min: 0, max: 4_000 }),
    kind: fc.constantFrom<Event['kind']>(
      'backlog',
      'backlog',
      'gap',
      'gap',
      'gap',
      'throttle',
      'tick',
      'pace',
      'pace',
      'behind',
    ),
  }),
  { maxLength: 60 },
);
const quotas = fc.integer({ min: 3, max: 200 });
const applyTimes = fc.integer({ min: 0, max: 3_000 });

describe('the boost of a backlogged project', () => {
  it('raises a quota of 20 from 9 to 17.1 a second, and any quota from 2 up by half or more', () => {
    expect(boostedDispatchRate(20)).toBeCloseTo(17.1);
    expect(dispatchRateForQuota(20)).toBeCloseTo(9);
    expect(worthBoosting(20)).toBe(true);
    expect(worthBoosting(3)).toBe(true);
    expect(worthBoosting(2)).toBe(true);
    expect(worthBoosting(1)).toBe(false);
  });

  it('keeps pace holders queued whenever the task queue may hold the boosted rate, and for SETTLE_MS after it is lowered', () => {
    fc.assert(
      fc.property(quotas, applyTimes, events, (quota, applyMs, evs) => {
        for (const step of drive(quota, applyMs, evs)) {
          const exposed = step.applied || step.boost.phase === 'on' || step.now < step.loweredAt + SETTLE_MS;
          if (exposed) expect(paceHolderCount(step.boost, quota)).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('raises the rate only after holders have been queued for longer than the limiter can save up (PRIME_MS)', () => {
    fc.assert(
      fc.property(quotas, applyTimes, events, (quota, applyMs, evs) => {
        for (const step of drive(quota, applyMs, evs)) {
          if (step.boost.phase === 'on') {
            expect(step.primingSince).toBeDefined();
            expect(step.now - (step.primingSince ?? step.now)).toBeGreaterThanOrEqual(PRIME_MS);
          }
        }
      }),
    );
  });

  it('starts no boost within REST_MS of the last one ending', () => {
    fc.assert(
      fc.property(quotas, applyTimes, events, (quota, applyMs, evs) => {
        let endedAt = Number.NEGATIVE_INFINITY;
        let previous = noBoost();
        for (const step of drive(quota, applyMs, evs)) {
          if (previous.phase !== 'cooling' && step.boost.phase === 'cooling') endedAt = step.now;
          if (previous.phase === 'off' && step.boost.phase === 'priming')
            expect(step.now - endedAt).toBeGreaterThanOrEqual(REST_MS);
          previous = step.boost;
        }
      }),
    );
  });

  it('ends when half the boosted turns in GAP_WINDOW_MS went to holders, not before', () => {
    fc.assert(
      fc.property(quotas, fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 40 }), (quota, gaps) => {
        let boost = boostAt(afterBacklog(noBoost(), 0, true), PRIME_MS, true);
        expect(boost.phase).toBe('on');
        let at = PRIME_MS;
        const times: number[] = [];
        for (const gap of gaps) {
          at += gap;
          times.push(at);
          boost = afterGap(boost, at, quota);
          const inWindow = times.filter((t) => t > at - GAP_WINDOW_MS).length;
          if (inWindow >= gapLimit(quota)) {
            expect(boost.phase).toBe('cooling');
            return;
          }
          expect(boost.phase).toBe('on');
        }
      }),
    );
  });

  it('raises the rate only while the workers keep pace with the normal one', () => {
    fc.assert(
      fc.property(quotas, applyTimes, events, (quota, applyMs, evs) => {
        let previous = noBoost();
        for (const step of drive(quota, applyMs, evs)) {
          if (previous.phase === 'priming' && step.boost.phase === 'on') expect(step.keeping).toBe(true);
          previous = step.boost;
        }
      }),
    );
  });

  it('ends a boost the workers fall behind at once, primes for PRIME_LIMIT_MS at most, and rests BEHIND_REST_MS after either', () => {
    fc.assert(
      fc.property(quotas, applyTimes, events, (quota, applyMs, evs) => {
        let previous = noBoost();
        let behindAt = Number.NEGATIVE_INFINITY;
        for (const step of drive(quota, applyMs, evs)) {
          if (step.applied && !step.keeping) expect(step.boost.phase).not.toBe('on');
          if (step.boost.phase === 'priming')
            expect(step.now - step.boost.since).toBeLessThanOrEqual(PRIME_LIMIT_MS);
          if (step.boost.phase === 'cooling' && step.boost.notBefore - step.now >= BEHIND_REST_MS)
            behindAt = Math.max(behindAt, step.boost.since);
          if (previous.phase === 'off' && step.boost.phase === 'priming')
            expect(step.now - behindAt).toBeGreaterThanOrEqual(BEHIND_REST_MS);
          previous = step.boost;
        }
      }),
    );
  });

  it('judges pace by the share of the turns taken, and ends only an applied boost on it', () => {
    expect(keepsPace(undefined, 9)).toBe(false);
    expect(keepsPace(KEEP_PACE_SHARE * 9, 9)).toBe(true);
    expect(keepsPace(KEEP_PACE_SHARE * 9 - 0.01, 9)).toBe(false);
    const on = boostAt(afterBacklog(noBoost(), 0, true), PRIME_MS, true);
    expect(afterBoostedPace(on, 5_000, undefined, 17).phase).toBe('on');
    expect(afterBoostedPace(on, 5_000, 16, 17).phase).toBe('on');
    const ended = afterBoostedPace(on, 5_000, 10, 17);
    expect(ended.phase).toBe('cooling');
    expect(ended.notBefore).toBe(5_000 + BEHIND_REST_MS);
    const priming = afterBacklog(noBoost(), 0, true);
    expect(boostAt(priming, PRIME_MS, false).phase).toBe('priming');
    expect(boostAt(priming, PRIME_LIMIT_MS, false).phase).toBe('cooling');
  });

  it('is never started for a project that may not be boosted', () => {
    expect(afterBacklog(noBoost(), 5, false).phase).toBe('off');
  });
});
