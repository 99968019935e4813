import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SendGates } from '../../src/request-budget/send-gates.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a worker's send gates", () => {
  it('let as many requests go as the places, the next a second after an answer', async () => {
    const gates = new SendGates(() => 2);
    const sent: number[] = [];
    const leaves = await Promise.all([gates.enter('p'), gates.enter('p')]);
    const third = gates.enter('p').then((leave) => {
      sent.push(Date.now());
      return leave;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([]);
    leaves[0]?.();
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeGreaterThan(1_100);
    (await third)();
  });

  it('keep projects apart', async () => {
    const gates = new SendGates(() => 1);
    await gates.enter('a');
    let other = false;
    await gates.enter('b').then(() => {
      other = true;
    });
    expect(other).toBe(true);
  });

  it('send nothing without places, and go once a grant gives some', async () => {
    let places = 0;
    const gates = new SendGates(() => places);
    let went = false;
    const entered = gates.enter('p').then(() => {
      went = true;
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(went).toBe(false);
    places = 1;
    await vi.advanceTimersByTimeAsync(100);
    await entered;
    expect(went).toBe(true);
  });

  it('forget a request whose caller gave up, and let the next one have its place', async () => {
    const gates = new SendGates(() => 1);
    const leave = await gates.enter('p');
    const abandon = new AbortController();
    const gaveUp = gates.enter('p', { signal: abandon.signal });
    const next = gates.enter('p');
    abandon.abort(new Error('cancelled'));
    await expect(gaveUp).rejects.toThrow('cancelled');
    leave();
    await vi.advanceTimersByTimeAsync(1_100);
    await expect(next).resolves.toBeTypeOf('function');
  });

  it('let an urgent request ahead of routine ones that waited longer', async () => {
    const gates = new SendGates(() => 1);
    const leave = await gates.enter('p');
    const order: string[] = [];
    const routine = gates.enter('p', { priorityKey: 4 }).then(() => order.push('routine'));
    const urgent = gates.enter('p', { priorityKey: 2 }).then(() => order.push('urgent'));
    leave();
    await vi.advanceTimersByTimeAsync(1_100);
    await urgent;
    expect(order).toEqual(['urgent']);
    expect(await Promise.race([routine.then(() => 'went'), Promise.resolve('waits')])).toBe('waits');
  });
});
