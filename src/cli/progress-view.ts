import cliProgress from 'cli-progress';
import { formatDuration, type LogExportProgress } from '../contract/index.js';

/** Fields a progress bar shows next to the bar itself. */
export interface ProgressPayload {
  label: string;
  state: string;
  polls: number;
  next: string;
}

/** What a bar shows for a tracker's latest `getProgress` answer. */
export function progressPayload(
  label: string,
  progress: LogExportProgress,
  now = Date.now(),
): ProgressPayload {
  const next = progress.nextPollAt
    ? `next poll in ${formatDuration(Date.parse(progress.nextPollAt) - now)}`
    : 'polling';
  const state = progress.lastError
    ? `retrying: ${truncate(progress.lastError, 60)}`
    : (progress.status ?? 'waiting');
  return { label, state, polls: progress.polls, next };
}

/** A terminal line for a finished tracker. */
export function finalPayload(label: string, state: string, polls: number): ProgressPayload {
  return { label, state, polls, next: 'done' };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A fleet's bar counts servers, not percent, and has no polls of its own. */
export const FLEET_BAR_FORMAT = '{label} {bar} {value}/{total} servers | {state}';

/**
 * Live bars on stderr (stdout stays clean for `--json`), one per tracker, redrawn in place on a
 * terminal and printed as periodic lines elsewhere.
 */
export function createProgressBars(): cliProgress.MultiBar {
  return new cliProgress.MultiBar(
    {
      format: '{label} {bar} {percentage}% | {state} | polls {polls} | {next}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
}
