/**
 * A bound on arrivals that no delay can break: the gateway counts a request at some moment
 * between its sending and its answer, so a request holds a place from just before it is sent
 * until a second after its answer. A request is sent only while fewer than `capacity` places are
 * held. Then no one-second window of the gateway's counting (aligned or sliding, open or closed)
 * holds more than `capacity` requests, however late a stalled event loop sends them or the
 * network delivers them:
 *
 * Of the requests counted in a window [a, a + 1 s], take the one sent last, at s. Each of the
 * others was sent before s and counted at a or later, so answered at a or later, and a ≥ s − 1 s:
 * its place was still held at s. So at s the others held places, fewer than `capacity` of them.
 *
 * Places of several gates add up: gates whose capacities sum to the quota keep the quota.
 * The price is the round trip: under a backlog, a gate lets through `capacity` requests per
 * (1 s + round trip). Pure, so it is tested over generated requests (`test/unit/send-gate.test.ts`).
 */
export interface GatePlaces {
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
  /** When each place of an answered request frees: a second after its answer, ascending. */
  readonly freeAt: readonly number[];
}

export const PLACE_HELD_AFTER_ANSWER_MS = 1_000;

export function emptyGate(): GatePlaces {
  return { inFlight: 0, freeAt: [] };
}

/** Places held at `now`; a place freeing exactly at `now` still counts (closed windows). */
export function heldAt(gate: GatePlaces, now: number): number {
  return gate.inFlight + gate.freeAt.filter((at) => at >= now).length;
}

/**
 * When a request may be sent, from `now` on: `now` if a place is free, the moment enough places
 * of answered requests free, or undefined while it waits for answers still in flight.
 */
export function sendableAt(gate: GatePlaces, now: number, capacity: number): number | undefined {
  const held = heldAt(gate, now);
  if (held < capacity) return now;
  if (gate.inFlight >= capacity) return undefined;
  const freeing = gate.freeAt.filter((at) => at >= now);
  // The (held − capacity + 1)-th place to free, plus a millisecond: it counts until its moment.
  return (freeing[held - capacity] as number) + 1;
}

/** A request was sent at `now`: call only when `sendableAt` said it may. */
export function afterSend(gate: GatePlaces, now: number): GatePlaces {
  return { inFlight: gate.inFlight + 1, freeAt: gate.freeAt.filter((at) => at >= now) };
}

/** A request sent through the gate was answered (or failed) at `at`. */
export function afterAnswer(gate: GatePlaces, at: number): GatePlaces {
  const freeAt = [...gate.freeAt, at + PLACE_HELD_AFTER_ANSWER_MS].sort((a, b) => a - b);
  return { inFlight: Math.max(0, gate.inFlight - 1), freeAt };
}
