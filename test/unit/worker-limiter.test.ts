import { describe, expect, it } from 'vitest';
import { ProjectRateLimiter, RateLimitedLocally } from '../../src/request-budget/worker-limiter.js';

/** A limiter on a hand-moved clock; `acquire` then never sleeps longer than the test allows. */
function limiterAt(perSecond: number, maxWaitMs = 10_000) {
  const clock = { now: 1_000_000 };
  const limiter = new ProjectRateLimiter({ perSecond, maxWaitMs, now: () => clock.now });
  return { limiter, clock };
}

describe('ProjectRateLimiter', () => {
  it('spaces turns evenly at the configured rate, per project', async () => {
    const { limiter } = limiterAt(1_000);
    const started = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => limiter.acquire('a')));
    await limiter.acquire('b');
    // 20 turns at 1 ms each on a frozen clock: the last waits 19 ms; project b does not queue behind a.
    expect(performance.now() - started).toBeGreaterThanOrEqual(18);
  });

  it('refuses a caller whose turn is further away than it may wait, saying how long', async () => {
    const { limiter } = limiterAt(10, 250);
    for (let i = 0; i < 3; i++) void limiter.acquire('p');
    const refusal = await limiter.acquire('p').catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(RateLimitedLocally);
    expect((refusal as RateLimitedLocally).waitMs).toBe(300);
    expect((refusal as Error).message).toContain('p (10.00 requests/s)');
  });

  it('refuses a caller whose turn comes after its deadline, leaving the turn to others', async () => {
    const { limiter, clock } = limiterAt(10);
    await limiter.acquire('p');
    await expect(limiter.acquire('p', { sendBy: clock.now + 50 })).rejects.toBeInstanceOf(RateLimitedLocally);
    const started = performance.now();
    await limiter.acquire('p', { sendBy: clock.now + 150 });
    expect(performance.now() - started).toBeLessThan(140);
  });

  it('keeps a refused caller its turn: it goes at once when it comes back, ahead of later callers', async () => {
    const { limiter, clock } = limiterAt(10, 250);
    for (let i = 0; i < 3; i++) void limiter.acquire('p');
    const refusal = (await limiter
      .acquire('p', { ticket: 'wf/run/1' })
      .catch((err: unknown) => err)) as RateLimitedLocally;
    expect(refusal.waitMs).toBe(300);
    expect(limiter.refusals('wf/run/1')).toBe(1);
    // Others arriving meanwhile queue behind the kept turn.
    const later = await limiter.acquire('p', { sendBy: clock.now + 10_000 }).catch((err: unknown) => err);
    expect(later).toBeInstanceOf(RateLimitedLocally);
    expect((later as RateLimitedLocally).waitMs).toBe(400);
    // Back at its turn (Temporal's retry after waitMs), the refused caller goes without queueing again.
    clock.now += 300;
    const started = performance.now();
    expect(await limiter.acquire('p', { ticket: 'wf/run/1' })).toBe(clock.now);
    expect(performance.now() - started).toBeLessThan(50);
    expect(limiter.refusals('wf/run/1')).toBe(1);
  });

  it('halves the rate on a 429, once for a burst of them, and recovers linearly', () => {
    const { limiter, clock } = limiterAt(20);
    limiter.throttled('p');
    limiter.throttled('p');
    expect(limiter.rate('p')).toBe(10);
    clock.now += 1_500;
    limiter.throttled('p');
    expect(limiter.rate('p')).toBe(5.25);
    clock.now += 30_000;
    expect(limiter.rate('p')).toBeCloseTo(15.25);
    clock.now += 30_000;
    expect(limiter.rate('p')).toBe(20);
    expect(limiter.rate('other')).toBe(20);
  });

  it('never falls below a sixteenth of the ceiling', () => {
    const { limiter, clock } = limiterAt(16);
    for (let i = 0; i < 10; i++) {
      limiter.throttled('p');
      clock.now += 1_000;
    }
    expect(limiter.rate('p')).toBeCloseTo(1 + (16 / 60) * 1);
  });

  it('gives up a wait when the request is aborted', async () => {
    const { limiter } = limiterAt(1);
    await limiter.acquire('p');
    const abort = new AbortController();
    const waiting = limiter.acquire('p', { signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('gives an aborted wait its turn back, so the next caller does not queue behind it', async () => {
    const { limiter } = limiterAt(2);
    await limiter.acquire('p');
    const abort = new AbortController();
    const waiting = limiter.acquire('p', { signal: abort.signal });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(limiter.acquire('p', { sendBy: Date.now() + 600 })).resolves.toBeTypeOf('number');
  });

  it('lets a caller past its deadline through when no wait is needed', async () => {
    const { limiter, clock } = limiterAt(10);
    await expect(limiter.acquire('p', { sendBy: clock.now - 1_000 })).resolves.toBe(clock.now);
  });

  it('halves once for the 429s of requests whose turn came before the halving', () => {
    const { limiter, clock } = limiterAt(20);
    const earlyTurn = clock.now;
    clock.now += 100;
    limiter.throttled('p', earlyTurn);
    expect(limiter.rate('p')).toBe(10);
    clock.now += 5_000;
    limiter.throttled('p', earlyTurn + 50);
    expect(limiter.rate('p')).toBeCloseTo(10 + (20 / 60) * 5);
    limiter.throttled('p', clock.now);
    expect(limiter.rate('p')).toBeCloseTo((10 + (20 / 60) * 5) / 2);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new ProjectRateLimiter({ perSecond: 0 })).toThrow(RangeError);
  });
});
