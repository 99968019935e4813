import { type ThrottleReport, throttledSignal } from '../contract/index.js';
import { signalKeeper } from './keeper-signal.js';

/** Tells the project's budget keeper about a gateway 429; the refused call is retried either way. */
export function reportThrottleToKeeper(report: ThrottleReport): Promise<void> {
  return signalKeeper(report.projectId, throttledSignal, report, 'a 429');
}
