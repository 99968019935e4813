/** Sums of collected servers, shared by the multi-project workflow, its Web UI summary and the CLI. */
import type { CollectFleetLogsResult } from './collect-fleet-logs.js';
import type {
  CollectionTotals,
  CollectProjectsLogsResult,
  ProjectProgress,
  ProjectSummary,
} from './collect-projects-logs.js';

export function emptyTotals(): CollectionTotals {
  return { servers: 0, succeeded: 0, failed: 0, bytes: 0, failuresByType: {} };
}

/** A fleet's result counted; a success recorded before sizes were kept counts 0 bytes. */
export function fleetTotals({ total, succeeded, failed }: CollectFleetLogsResult): CollectionTotals {
  const failuresByType: Record<string, number> = {};
  for (const { type } of failed) failuresByType[type] = (failuresByType[type] ?? 0) + 1;
  return {
    servers: total,
    succeeded: succeeded.length,
    failed: failed.length,
    bytes: succeeded.reduce((sum, s) => sum + (s.bytes ?? 0), 0),
    failuresByType,
  };
}

export function addTotals(a: CollectionTotals, b: CollectionTotals): CollectionTotals {
  const failuresByType = { ...a.failuresByType };
  for (const [type, count] of Object.entries(b.failuresByType))
    failuresByType[type] = (failuresByType[type] ?? 0) + count;
  return {
    servers: a.servers + b.servers,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    bytes: a.bytes + b.bytes,
    failuresByType,
  };
}

/** A project's line of the result: zeros for a project that ended without its fleet's result. */
export function projectSummaryOf({
  projectId,
  region,
  fleetWorkflowId,
  summary,
  failure,
}: ProjectProgress): ProjectSummary {
  return {
    projectId,
    ...(region ? { region } : {}),
    fleetWorkflowId,
    ...(summary ?? emptyTotals()),
    ...(failure ? { failure } : {}),
  };
}

export function overallOf(projects: readonly ProjectSummary[]): CollectProjectsLogsResult['overall'] {
  return {
    projects: projects.length,
    projectsFailed: projects.filter((p) => p.failure).length,
    ...projects.reduce<CollectionTotals>(addTotals, emptyTotals()),
  };
}

/** "LogExportFailed 2, LogExportNotFound 1", most frequent first; "-" for none. */
export function formatFailuresByType(failuresByType: Record<string, number>): string {
  const entries = Object.entries(failuresByType).sort(([ta, a], [tb, b]) => b - a || ta.localeCompare(tb));
  return entries.length ? entries.map(([type, count]) => `${type} ${count}`).join(', ') : '-';
}

/** Bytes as a person reads them: "1.5 MB" (powers of 1,000, as object stores bill). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
