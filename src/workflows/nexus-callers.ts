import { setHandler } from '@temporalio/workflow';
import { invalidInput, type ReleaseCallerInput, releaseCallerUpdate } from '../contract/index.js';

/**
 * Counts the Nexus callers that cancelled their operation on this run, in `counter` so a tracker
 * carries it across continue-as-new. The handler decides, from the answer, whether anyone is
 * still attached (see `src/nexus/clouddc-logs-handler.ts`).
 */
export function countReleasedCallers(counter: { nexusCallersReleased: number }): void {
  setHandler(
    releaseCallerUpdate,
    ({ attached }) => {
      counter.nexusCallersReleased += 1;
      return { remaining: Math.max(0, attached - counter.nexusCallersReleased) };
    },
    { validator: validRelease },
  );
}

function validRelease(input: ReleaseCallerInput): void {
  if (!Number.isInteger(input?.attached) || input.attached < 0) {
    throw invalidInput(
      `releaseNexusCaller: attached must be a whole number of callers, got ${JSON.stringify(input?.attached)}`,
    );
  }
}
