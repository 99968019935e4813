import { ARRIVAL_JITTER_ROOM_S } from './contract.js';

/**
 * The room a project's rates leave for the time from dispatch to arrival at the gateway to vary.
 * `ARRIVAL_JITTER_ROOM_S` holds while the workers have CPU to spare; a worker whose event loop
 * falls further behind sends requests late and then together, and says so (`lag-report.ts`). The
 * keeper then widens the project's room to that lag for `ROOM_MEMORY_MS`, which lowers both its
 * rates, so the busiest second stays at the quota on starved workers too, at the price of pace.
 */
export interface ArrivalRoom {
  /** The room now, in ms: a whole number of `ROOM_STEP_MS` from the base up. */
  ms: number;
  /** When a widened room returns to the base unless another lag is reported (epoch ms). */
  until: number;
}

export const BASE_ROOM_MS = ARRIVAL_JITTER_ROOM_S * 1000;
/** Rooms are whole steps, so a lag that wavers does not rewrite the rate on every report. */
export const ROOM_STEP_MS = 50;
/** Beyond a second of lag the workers are not pacing anything: the rates stop following. */
export const MAX_ROOM_MS = 1_000;
/** How long a reported lag is remembered: a worker that lagged once may lag again. */
export const ROOM_MEMORY_MS = 60_000;

export function baseRoom(): ArrivalRoom {
  return { ms: BASE_ROOM_MS, until: 0 };
}

/** A worker lagged `lagMs` behind: the room covers it, rounded up to a step, for `ROOM_MEMORY_MS`. */
export function afterLag(room: ArrivalRoom, lagMs: number, now: number): ArrivalRoom {
  const current = roomAt(room, now);
  if (lagMs <= BASE_ROOM_MS) return current;
  const needed = Math.min(MAX_ROOM_MS, Math.ceil(lagMs / ROOM_STEP_MS) * ROOM_STEP_MS);
  return { ms: Math.max(current.ms, needed), until: now + ROOM_MEMORY_MS };
}

/** The room at `now`: back to the base once the last lag is older than `ROOM_MEMORY_MS`. */
export function roomAt(room: ArrivalRoom, now: number): ArrivalRoom {
  return now >= room.until ? baseRoom() : room;
}

export function isWidened(room: ArrivalRoom): boolean {
  return room.ms > BASE_ROOM_MS;
}
