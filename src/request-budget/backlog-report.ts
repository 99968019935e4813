import { type BacklogReport, backloggedSignal } from '../contract/index.js';
import { KEEPER_REPORT_EVERY_MS, signalKeeper } from './keeper-signal.js';

/**
 * Tells a project's budget keeper (starting it if none runs) that a call waited for its turn, so
 * it may boost the project (`boost.ts`). Best effort and never awaited by the call: the keeper
 * hears again from the next call that waits. Each worker keeps when it last told each project,
 * to send one report where hundreds of calls wait; that is a courtesy to the keeper, not a limit
 * on anything.
 */
export function backlogReporter(): (report: BacklogReport) => void {
  const lastToldAt = new Map<string, number>();
  return (report) => {
    if (
      report.startedAt - (lastToldAt.get(report.projectId) ?? Number.NEGATIVE_INFINITY) <
      KEEPER_REPORT_EVERY_MS
    )
      return;
    lastToldAt.set(report.projectId, report.startedAt);
    void signalKeeper(report.projectId, backloggedSignal, report, 'a backlog');
  };
}
