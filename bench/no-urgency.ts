/**
 * The tracker as it was before urgent polls, for `npm run bench:urgent` to compare with: swapped
 * for `src/workflows/tracker/urgency.ts` in that bench's second workflow bundle, so every poll is
 * routine and goes when the policy says. Not part of the product.
 */
import type { TrackerState } from '../src/workflows/tracker/state.js';

export function takeUrgentPoll(_state: TrackerState, _policy: unknown, _now: number): boolean {
  return false;
}

export function pollDueAt(
  _state: TrackerState,
  _policy: unknown,
  dueAt: number,
  _roundTripMs: number,
): number {
  return dueAt;
}
