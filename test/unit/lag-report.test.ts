import { describe, expect, it } from 'vitest';
import { BASE_ROOM_MS } from '../../src/request-budget/arrival-room.js';
import type { LagReport } from '../../src/request-budget/contract.js';
import { eventLoopLateness, lagReporter } from '../../src/request-budget/lag-report.js';

const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const next = (left: number) => (left === 0 ? resolve() : setTimeout(() => next(left - 1), 10));
    next(n);
  });

describe('the event loop lateness a worker reports', () => {
  it('sees a loop held up for longer than the room, and tells each project called once per window', async () => {
    const lateness = eventLoopLateness();
    try {
      const told: LagReport[] = [];
      const called = lagReporter(lateness, (r) => told.push(r));
      block(300);
      await turns(3);
      expect(lateness.worstMs()).toBeGreaterThanOrEqual(250);
      called('p-1');
      called('p-1');
      called('p-2');
      expect(told.map((r) => r.projectId)).toEqual(['p-1', 'p-2']);
      expect(told[0]?.lagMs).toBeGreaterThan(BASE_ROOM_MS);
    } finally {
      lateness.stop();
    }
  });

  it('reports nothing while the loop keeps within the room', () => {
    const told: LagReport[] = [];
    const called = lagReporter({ worstMs: () => BASE_ROOM_MS }, (r) => told.push(r));
    called('p-1');
    called('p-2');
    expect(told).toEqual([]);
  });
});
