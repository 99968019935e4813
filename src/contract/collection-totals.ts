/** Sums of collected servers, shared by the multi-project workflow, its Web UI summary and the CLI. */
import {
  type CollectFleetLogsResult,
  type CollectionTotals,
  FAILURES_LISTED,
  type FleetFailure,
  type FleetServerLine,
  type FleetSuccess,
} from './collect-fleet-logs.js';
import type { CollectProjectsLogsResult, ProjectProgress, ProjectSummary } from './collect-projects-logs.js';

export function emptyTotals(): CollectionTotals {
  return { servers: 0, succeeded: 0, failed: 0, bytes: 0, failuresByType: {} };
}

/** A fleet's result counted. */
export function fleetTotals({
  servers,
  succeeded,
  failed,
  bytes,
  failuresByType,
}: CollectFleetLogsResult): CollectionTotals {
  return { servers, succeeded, failed, bytes, failuresByType };
}

/** What a fleet has counted so far, and the failures it lists: carried across continue-as-new. */
export interface FleetTally extends CollectionTotals {
  failures: FleetFailure[];
}

export function emptyTally(): FleetTally {
  return { ...emptyTotals(), failures: [] };
}

/**
 * Counts one server's line into the tally, in place (a fleet counts thousands): a success adds its
 * bytes (0 when a line from before sizes has none), a failure its type, and the first
 * `FAILURES_LISTED` failures are kept.
 */
export function countLine(tally: FleetTally, line: FleetServerLine): void {
  tally.servers += 1;
  if (line.status === 'collected') {
    tally.succeeded += 1;
    tally.bytes += line.bytes ?? 0;
    return;
  }
  const { serverId, type, message } = line;
  tally.failed += 1;
  tally.failuresByType[type] = (tally.failuresByType[type] ?? 0) + 1;
  if (tally.failures.length < FAILURES_LISTED) tally.failures.push({ serverId, type, message });
}

/** A fleet's result as builds before manifests gave it: every server in the result itself. */
export interface ListedFleetResult {
  total: number;
  succeeded: Array<Omit<FleetSuccess, 'status'>>;
  failed: FleetFailure[];
}

/** The lines of a fleet result (or carried state) that listed every server itself. */
export function linesOfListedResult({
  succeeded,
  failed,
}: Pick<ListedFleetResult, 'succeeded' | 'failed'>): FleetServerLine[] {
  return [
    ...succeeded.map((success): FleetServerLine => ({ ...success, status: 'collected' })),
    ...failed.map((failure): FleetServerLine => ({ ...failure, status: 'failed' })),
  ];
}

/**
 * Any fleet's result in today's form, with the servers an older result listed itself (`lines`,
 * empty for a result with manifests), so readers of last week's fleets need no second code path.
 */
export function readFleetResult(result: CollectFleetLogsResult | ListedFleetResult): {
  result: CollectFleetLogsResult;
  lines: FleetServerLine[];
} {
  if (!Array.isArray(result.succeeded)) return { result: result as CollectFleetLogsResult, lines: [] };
  const lines = linesOfListedResult(result as ListedFleetResult);
  const tally = emptyTally();
  for (const line of lines) countLine(tally, line);
  return { result: { ...tally, manifests: [] }, lines };
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
