/**
 * Reading the API's export record. The status is an open, case-insensitive string and the
 * percentage comes in several shapes (see the API reference); both are interpreted here only.
 */

const SUCCESS_WORDS = new Set([
  'completed',
  'complete',
  'success',
  'succeeded',
  'successful',
  'finished',
  'done',
]);
const FAILURE_WORDS = new Set([
  'failed',
  'failure',
  'fail',
  'error',
  'cancelled',
  'canceled',
  'aborted',
  'expired',
  'timeout',
  'timedout',
  'timed_out',
]);
const PROGRESS_WORDS = new Set([
  'processing',
  'running',
  'pending',
  'queued',
  'waiting',
  'exporting',
  'in_progress',
]);

export type StatusClass = 'succeeded' | 'failed' | 'in-progress';

export function classifyStatus(status: string): StatusClass {
  const word = normalizeStatus(status);
  if (SUCCESS_WORDS.has(word)) return 'succeeded';
  if (FAILURE_WORDS.has(word)) return 'failed';
  return 'in-progress';
}

/** Whether a status word is one we know; unknown words still count as in progress. */
export function isKnownStatus(status: string): boolean {
  const word = normalizeStatus(status);
  return SUCCESS_WORDS.has(word) || FAILURE_WORDS.has(word) || PROGRESS_WORDS.has(word);
}

function normalizeStatus(status: string): string {
  return status
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const PERCENT_TEXT = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%?\s*$/;

/**
 * `"30%"`, `"30"`, `30` and `"30.5%"` are 30, 30, 30 and 30.5, clamped to 0..100. Anything else is
 * unparseable (null), never 0: a garbled answer must not look like an export that went backwards.
 */
export function parsePercentage(raw: unknown): number | null {
  let value: number;
  if (typeof raw === 'number') {
    value = raw;
  } else if (typeof raw === 'string') {
    const match = PERCENT_TEXT.exec(raw);
    if (!match?.[1]) return null;
    value = Number(match[1]);
  } else {
    return null;
  }
  if (!Number.isFinite(value)) return null;
  return Math.min(100, Math.max(0, value));
}

export type ExportPhase = 'completed' | 'failed' | 'running';

/**
 * Done means a terminal status or 100 %; a failure status wins over 100 %, and a success word
 * wins over a lagging percentage.
 */
export function exportPhase(status: string | null, percentage: number | null): ExportPhase {
  const statusClass = status === null ? 'in-progress' : classifyStatus(status);
  if (statusClass === 'failed') return 'failed';
  if (statusClass === 'succeeded' || percentage === 100) return 'completed';
  return 'running';
}
