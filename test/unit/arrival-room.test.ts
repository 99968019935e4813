import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterLag,
  BASE_ROOM_MS,
  baseRoom,
  isWidened,
  MAX_ROOM_MS,
  ROOM_MEMORY_MS,
  ROOM_STEP_MS,
  roomAt,
} from '../../src/request-budget/arrival-room.js';

const reports = fc.array(
  fc.record({
    afterMs: fc.integer({ min: 0, max: 2 * ROOM_MEMORY_MS }),
    lagMs: fc.integer({ min: 0, max: 3_000 }),
  }),
  { maxLength: 40 },
);

describe('the room for arrivals that vary', () => {
  it('covers every lag reported within the last ROOM_MEMORY_MS (up to MAX_ROOM_MS), is never below the base, and is a whole step', () => {
    fc.assert(
      fc.property(reports, fc.integer({ min: 0, max: 3 * ROOM_MEMORY_MS }), (lags, lookAfterMs) => {
        let room = baseRoom();
        let now = 1_000_000;
        const seen: Array<{ at: number; lagMs: number }> = [];
        for (const { afterMs, lagMs } of lags) {
          now += afterMs;
          room = afterLag(room, lagMs, now);
          seen.push({ at: now, lagMs });
        }
        const at = now + lookAfterMs;
        const current = roomAt(room, at);
        expect(current.ms).toBeGreaterThanOrEqual(BASE_ROOM_MS);
        expect(current.ms).toBeLessThanOrEqual(MAX_ROOM_MS);
        if (isWidened(current)) expect(current.ms % ROOM_STEP_MS).toBe(0);
        for (const lag of seen)
          if (at - lag.at < ROOM_MEMORY_MS && lag.lagMs > BASE_ROOM_MS)
            expect(current.ms).toBeGreaterThanOrEqual(Math.min(MAX_ROOM_MS, lag.lagMs));
      }),
    );
  });

  it('returns to the base ROOM_MEMORY_MS after the last lag over it, and is not widened by lags within it', () => {
    fc.assert(
      fc.property(reports, (lags) => {
        let room = baseRoom();
        let now = 0;
        let lastOver = Number.NEGATIVE_INFINITY;
        for (const { afterMs, lagMs } of lags) {
          now += afterMs;
          room = afterLag(room, lagMs, now);
          if (lagMs > BASE_ROOM_MS) lastOver = now;
          if (now - lastOver >= ROOM_MEMORY_MS) expect(roomAt(room, now)).toEqual(baseRoom());
        }
        expect(roomAt(room, Math.max(now, lastOver + ROOM_MEMORY_MS))).toEqual(baseRoom());
      }),
    );
  });
});
