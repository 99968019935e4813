import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import {
  type CollectFleetLogsResult,
  type CollectionProgress,
  type CollectProjectsLogsResult,
  type CollectServerLogsResult,
  type FleetProgress,
  type FleetServerLine,
  formatBytes,
  formatDuration,
  formatFailuresByType,
  getCollectionProgressQuery,
  getFleetProgressQuery,
  getProgressQuery,
  getProjectsProgressQuery,
  type ListedFleetResult,
  type LogExportProgress,
  type ProjectProgress,
  type ProjectsProgress,
  WorkflowType,
} from '../contract/index.js';
import { keyValueLines } from './key-value.js';
import { describeArchive, fleetResultRows, overallLine, shownServers } from './reports.js';
import { outcomeOf } from './watch.js';

/** What `status` reports for any workflow this tool starts; the parts depend on its type. */
export interface StatusReport {
  workflowId: string;
  runId: string;
  workflowType: string;
  workflowStatus: string;
  /** A tracker's progress, or the tracker's of a collection that is tracking its export. */
  progress?: LogExportProgress;
  collection?: CollectionProgress;
  fleet?: FleetProgress;
  /** A multi-project collection's projects, and the live counts of those still running, by project. */
  projects?: ProjectsProgress;
  fleets?: Record<string, FleetProgress>;
  retrying?: { attempt: number; lastFailure: string };
  result?: unknown;
  /** A fleet's first servers, when its manifests are files here (`shownServers`). */
  servers?: FleetServerLine[];
  failure?: { type: string; message: string };
}

const CLOSED_QUERY_TIMEOUT_MS = 5_000;

/** Asks the workflow (queries: answered from its state, no API call) and Temporal what it is doing. */
export async function statusReport(client: Client, workflowId: string): Promise<StatusReport> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  // A closed run is queried by replaying it on the build it was pinned to; once that build is
  // retired nobody answers, and the report goes without the query's rows rather than wait 30 s.
  const closed = description.status.name !== 'RUNNING';
  const ask = <T>(query: () => Promise<T>) =>
    (closed ? client.withDeadline(Date.now() + CLOSED_QUERY_TIMEOUT_MS, query) : query()).catch(
      () => undefined,
    );
  const report: StatusReport = {
    workflowId,
    runId: description.runId,
    workflowType: description.type,
    workflowStatus: description.status.name,
  };
  if (description.type === WorkflowType.TrackLogExport) {
    report.progress = await ask(() => handle.query(getProgressQuery));
  } else if (description.type === WorkflowType.CollectServerLogs) {
    report.collection = await ask(() => handle.query(getCollectionProgressQuery));
    const tracker = report.collection?.trackerWorkflowId;
    if (tracker && report.collection?.phase === 'tracking')
      report.progress = await ask(() => client.workflow.getHandle(tracker).query(getProgressQuery));
  } else if (description.type === WorkflowType.CollectFleetLogs) {
    report.fleet = await ask(() => handle.query(getFleetProgressQuery));
  } else if (description.type === WorkflowType.CollectProjectsLogs) {
    report.projects = await ask(() => handle.query(getProjectsProgressQuery));
    const running = report.projects?.projects.filter((p) => p.state === 'running') ?? [];
    const live = await Promise.all(
      running.map(async (p) => {
        const fleet = await ask(() =>
          client.workflow.getHandle(p.fleetWorkflowId).query(getFleetProgressQuery),
        );
        return fleet ? [[p.projectId, fleet] as const] : [];
      }),
    );
    if (running.length) report.fleets = Object.fromEntries(live.flat());
  }
  const retrying = retryingActivity(description);
  if (retrying) report.retrying = retrying;
  if (description.status.name !== 'RUNNING') {
    const outcome = await outcomeOf(handle.result());
    if (!outcome.ok) report.failure = { type: outcome.type, message: outcome.message };
    else {
      report.result = outcome.result;
      if (description.type === WorkflowType.CollectFleetLogs)
        report.servers = await shownServers(outcome.result as CollectFleetLogsResult | ListedFleetResult);
    }
  }
  return report;
}

function retryingActivity(description: WorkflowExecutionDescription): StatusReport['retrying'] {
  const pending = description.raw.pendingActivities?.[0];
  return pending?.lastFailure?.message && (pending.attempt ?? 0) > 1
    ? { attempt: pending.attempt ?? 0, lastFailure: pending.lastFailure.message }
    : undefined;
}

/** The report as aligned `key  value` rows, for a terminal. */
export function formatStatus(report: StatusReport, now = Date.now()): string {
  const running = report.workflowStatus === 'RUNNING';
  const rows: Array<[string, string]> = [
    ['Workflow', `${report.workflowId} (run ${report.runId})`],
    ['Type', report.workflowType],
    ['State', report.workflowStatus],
  ];
  const { collection, fleet, progress, projects } = report;
  if (collection)
    rows.push([
      'Phase',
      `${collection.phase}${collection.exportId ? ` (export ${collection.exportId}, tracker ${collection.trackerWorkflowId ?? '-'})` : ''}`,
    ]);
  if (fleet)
    rows.push([
      'Servers',
      fleet.listed
        ? `${fleet.succeeded} collected, ${fleet.failed} failed, ${fleet.running} running, ${fleet.pending} waiting (of ${fleet.total})`
        : 'listing the project',
    ]);
  if (projects && report.result === undefined) {
    rows.push([
      'Projects',
      `${projects.completed} completed, ${projects.failed} failed, ${projects.running} running (of ${projects.projects.length})`,
    ]);
    rows.push(...projects.projects.map((p) => projectRow(p, report.fleets?.[p.projectId])));
  }
  if (progress) {
    rows.push([
      'Export',
      `${progress.status ?? 'no answer yet'}${progress.percentage === null ? '' : ` ${progress.percentage}%`}`,
    ]);
    rows.push(['Polls', String(progress.polls)]);
    rows.push(['Started', progress.startedAt]);
    if (progress.lastPolledAt) rows.push(['Last poll', progress.lastPolledAt]);
    // A closed tracker polls no more, whatever its last answer said.
    if (running && progress.nextPollAt)
      rows.push([
        'Next poll',
        `${progress.nextPollAt} (in ${formatDuration(Date.parse(progress.nextPollAt) - now)})`,
      ]);
    if (running && progress.eta) rows.push(['Expected', progress.eta]);
    if (running && progress.deadline)
      rows.push([
        'Deadline',
        `${progress.deadline} (in ${formatDuration(Date.parse(progress.deadline) - now)})`,
      ]);
    if (progress.lastError) rows.push(['Last error', progress.lastError]);
  }
  if (report.retrying)
    rows.push(['Retrying', `attempt ${report.retrying.attempt}: ${report.retrying.lastFailure}`]);
  if (report.failure) rows.push(['Failure', `${report.failure.type}: ${report.failure.message}`]);
  rows.push(...resultRows(report));
  return keyValueLines(rows);
}

function resultRows({ workflowType, result, servers }: StatusReport): Array<[string, string]> {
  if (result === undefined) return [];
  if (workflowType === WorkflowType.CollectServerLogs) {
    return [['Archive', describeArchive((result as CollectServerLogsResult).archive)]];
  }
  if (workflowType === WorkflowType.CollectFleetLogs) {
    return fleetResultRows(result as CollectFleetLogsResult | ListedFleetResult, servers ?? []);
  }
  if (workflowType === WorkflowType.CollectProjectsLogs) {
    const { overall, projects } = result as CollectProjectsLogsResult;
    return [
      ['Result', overallLine(overall)],
      ...projects.map(({ servers, succeeded, failed, bytes, failuresByType, failure, ...p }) =>
        projectRow({
          ...p,
          state: failure ? 'failed' : 'completed',
          summary: { servers, succeeded, failed, bytes, failuresByType },
          ...(failure ? { failure } : {}),
        }),
      ),
    ];
  }
  return [['Result', JSON.stringify(result)]];
}

/** One project of a multi-project collection: its totals once done, its fleet's live counts before. */
function projectRow(project: ProjectProgress, live?: FleetProgress): [string, string] {
  const where = `${project.projectId} (${project.region ?? 'default region'})`;
  const fleet = `; fleet ${project.fleetWorkflowId}`;
  if (project.failure)
    return ['Project', `${where}: failed: ${project.failure.type}: ${project.failure.message}${fleet}`];
  if (project.summary) {
    const { servers, succeeded, failed, bytes, failuresByType } = project.summary;
    const failures = failed ? ` (${formatFailuresByType(failuresByType)})` : '';
    return [
      'Project',
      `${where}: ${succeeded} of ${servers} servers collected, ${failed} failed${failures}, ${formatBytes(bytes)}${fleet}`,
    ];
  }
  const counts = live
    ? live.listed
      ? `${live.succeeded} collected, ${live.failed} failed, ${live.running} running, ${live.pending} waiting (of ${live.total})`
      : 'listing the project'
    : 'starting';
  return ['Project', `${where}: running: ${counts}${fleet}`];
}
