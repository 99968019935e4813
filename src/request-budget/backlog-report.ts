import { randomUUID } from 'node:crypto';
import {
  BACKLOG_EVIDENCE_MS,
  type BacklogReport,
  backloggedSignal,
  PACE_WINDOW_MS,
} from '../contract/index.js';
import { signalKeeper } from './keeper-signal.js';

/**
 * After one of its calls waited, a worker goes on reporting for this long, from calls that did not
 * wait (an urgent poll, say): the keeper adds up every worker's turns, and one left out would look
 * like turns not taken.
 */
const BACKLOG_MEMORY_MS = 10_000;

/** The start of one of the worker's calls of a project, and how long it waited for its turn. */
export interface CallStart {
  projectId: string;
  queueWaitMs: number;
  startedAt: number;
}

interface ProjectCount {
  /** The window being counted (its start) and the calls started in it so far. */
  window: number;
  turns: number;
  /** The last window that closed, when the worker started a call in it or in the one after. */
  closed?: { window: number; turns: number };
  reported: number;
  toldAt: number;
  waited?: { ms: number; at: number };
}

/**
 * Told of each call's start; while the project's calls wait for their turns, tells the project's
 * budget keeper (starting it if none runs) once a window, with the calls of the project this
 * worker started in the window that just closed, so the keeper can boost the project and see
 * whether its workers keep up; a call that waited before any window closed is told at once.
 * Best effort and never awaited by the call. The counts are reports to the keeper, which
 * decides; nothing here limits a call.
 */
export function backlogReporter(
  send: (report: BacklogReport) => void = (r) =>
    void signalKeeper(r.projectId, backloggedSignal, r, 'a backlog'),
  reporter: string = randomUUID(),
): (call: CallStart) => void {
  const projects = new Map<string, ProjectCount>();
  return ({ projectId, queueWaitMs, startedAt }) => {
    const window = Math.floor(startedAt / PACE_WINDOW_MS) * PACE_WINDOW_MS;
    let project = projects.get(projectId);
    if (!project) {
      project = { window, turns: 0, reported: Number.NEGATIVE_INFINITY, toldAt: Number.NEGATIVE_INFINITY };
      projects.set(projectId, project);
    }
    if (project.window !== window) {
      const previous = window - PACE_WINDOW_MS;
      project.closed = { window: previous, turns: project.window === previous ? project.turns : 0 };
      project.window = window;
      project.turns = 0;
    }
    project.turns++;
    const waitedNow = queueWaitMs >= BACKLOG_EVIDENCE_MS;
    if (waitedNow) project.waited = { ms: queueWaitMs, at: startedAt };
    const { waited, closed } = project;
    if (!waited || startedAt - waited.at > BACKLOG_MEMORY_MS) return;
    if (closed && closed.window > project.reported) {
      project.reported = closed.window;
      project.toldAt = startedAt;
      send({ projectId, queueWaitMs: waited.ms, startedAt, reporter, ...closed });
    } else if (waitedNow && startedAt - project.toldAt >= PACE_WINDOW_MS) {
      // No window to count yet: the backlog is news all the same, and may start a boost's priming.
      project.toldAt = startedAt;
      send({ projectId, queueWaitMs, startedAt, reporter });
    }
  };
}
