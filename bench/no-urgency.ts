/**
 * The tracker as it was before urgent polls, for `npm run bench:urgent` to compare with: swapped
 * for `src/workflows/tracker/urgency.ts` in that bench's second workflow bundle, so every poll
 * goes when the policy says, at the standard key, and is never overtaken. Not part of the
 * product. Typed as the rule it stands in for, so a change of that rule's signatures fails to
 * compile here.
 */
import type * as urgency from '../src/workflows/tracker/urgency.js';

export const placePoll: typeof urgency.placePoll = () => ({ standing: 'unforetold', overtakenAt: null });
