import { readFleetServers } from '../client/fleet-manifest.js';
import {
  type ArchiveInfo,
  type CollectFleetLogsResult,
  type CollectProjectsLogsResult,
  type CollectServerLogsResult,
  FailureType,
  type FleetServerLine,
  formatBytes,
  formatDuration,
  formatFailuresByType,
  type ListedFleetResult,
  type LogExportResult,
  readFleetResult,
} from '../contract/index.js';
import { ExitCode } from './exit-codes.js';
import { keyValueLines } from './key-value.js';
import { columns } from './table.js';
import type { Outcome } from './watch.js';

/** What a command prints when a tracker it waited for ends (see `reportCollection`). */
export function reportTracker(outcome: Outcome<LogExportResult>, json: boolean): number {
  if (!outcome.ok) return reportFailure(outcome, json);
  const { status, percentage, polls, startedAt, completedAt } = outcome.result;
  if (json) console.log(JSON.stringify(outcome.result, null, 2));
  else
    console.error(
      `Completed: ${status} ${percentage}% after ${polls} polls (${formatDuration(Date.parse(completedAt) - Date.parse(startedAt))})`,
    );
  return ExitCode.Ok;
}

/**
 * What a command prints when a collection it waited for ends: the result as JSON on stdout, or
 * where the archive went on stderr; the failure either way. Returns the exit code.
 */
export function reportCollection(outcome: Outcome<CollectServerLogsResult>, json: boolean): number {
  if (!outcome.ok) return reportFailure(outcome, json);
  if (json) console.log(JSON.stringify(outcome.result, null, 2));
  else console.error(`Archive: ${describeArchive(outcome.result.archive)}`);
  return ExitCode.Ok;
}

/** Where an archive went, how big it is, and its checksum. */
export function describeArchive({ path, url, bytes, sha256 }: ArchiveInfo): string {
  return `${path ?? url} (${bytes} bytes, sha256 ${sha256})`;
}

/**
 * The same for a fleet: the counts, the first servers' archives when its manifests are files here,
 * the failures the result lists, and the manifests that list every server. Exits 1 when any
 * server failed.
 */
export async function reportFleet(
  outcome: Outcome<CollectFleetLogsResult | ListedFleetResult>,
  json: boolean,
): Promise<number> {
  if (!outcome.ok) return reportFailure(outcome, json);
  if (json) console.log(JSON.stringify(outcome.result, null, 2));
  else console.error(keyValueLines(fleetResultRows(outcome.result, await shownServers(outcome.result))));
  return readFleetResult(outcome.result).result.failed > 0 ? ExitCode.WorkflowFailed : ExitCode.Ok;
}

/** Archives a fleet's report shows one a line; the manifests list the rest. */
const SERVERS_SHOWN = 50;

/**
 * The first servers' lines of a fleet, for its report: read from its manifests when they are
 * files this process can read (the CLI beside the worker), else none, and the report points at
 * the manifests.
 */
export async function shownServers(
  result: CollectFleetLogsResult | ListedFleetResult,
): Promise<FleetServerLine[]> {
  return readFleetServers(result, SERVERS_SHOWN).catch(() => []);
}

/** A fleet's result as `key  value` rows, for `collect-fleet` and `status`. */
export function fleetResultRows(
  raw: CollectFleetLogsResult | ListedFleetResult,
  shown: readonly FleetServerLine[],
): Array<[string, string]> {
  const { servers, succeeded, failed, bytes, failuresByType, failures, manifests, unlisted } =
    readFleetResult(raw).result;
  const archives = shown.flatMap(
    (line): Array<[string, string]> =>
      line.status === 'collected' ? [['Archive', `${line.serverId}: ${line.path ?? line.url}`]] : [],
  );
  // A fleet from before manifests has its every server in its result.
  const rest = manifests.length ? 'in the manifests' : 'in the result (--json)';
  const rows: Array<[string, string]> = [
    [
      'Result',
      `${succeeded} of ${servers} servers collected, ${formatBytes(bytes)}${failed ? `; ${failed} failed (${formatFailuresByType(failuresByType)})` : ''}`,
    ],
    ...archives,
  ];
  if (shown.length > 0 && succeeded > archives.length)
    rows.push(['Archive', `${succeeded - archives.length} more, ${rest}`]);
  rows.push(...failures.map((f): [string, string] => ['Failed', `${f.serverId}: ${f.type}: ${f.message}`]));
  if (failed > failures.length) rows.push(['Failed', `${failed - failures.length} more, ${rest}`]);
  rows.push(...manifests.map((m): [string, string] => ['Manifest', m.path ?? m.url]));
  if (unlisted)
    rows.push([
      'Unlisted',
      `${unlisted.servers} servers are counted but in no manifest: ${unlisted.type}: ${unlisted.message}`,
    ]);
  return rows;
}

/**
 * The same for several projects: the overall line, a row per project with its fleet's ID (whose
 * result names the manifests listing every server), and why each failed project failed. Exits 1 when any server or
 * project failed.
 */
export function reportProjects(outcome: Outcome<CollectProjectsLogsResult>, json: boolean): number {
  if (!outcome.ok) return reportFailure(outcome, json);
  const { overall } = outcome.result;
  if (json) console.log(JSON.stringify(outcome.result, null, 2));
  else console.error(projectsReport(outcome.result));
  return overall.failed > 0 || overall.projectsFailed > 0 ? ExitCode.WorkflowFailed : ExitCode.Ok;
}

export function projectsReport(result: CollectProjectsLogsResult): string {
  const { overall, projects } = result;
  return [
    overallLine(overall),
    columns([
      ['PROJECT', 'REGION', 'SERVERS', 'COLLECTED', 'FAILED', 'BYTES', 'FAILURES BY TYPE', 'FLEET WORKFLOW'],
      ...projects.map((p) => [
        p.projectId,
        p.region ?? 'default',
        String(p.servers),
        String(p.succeeded),
        String(p.failed),
        String(p.bytes),
        p.failure ? `project failed: ${p.failure.type}` : formatFailuresByType(p.failuresByType),
        p.fleetWorkflowId,
      ]),
      [
        'OVERALL',
        '',
        String(overall.servers),
        String(overall.succeeded),
        String(overall.failed),
        String(overall.bytes),
        formatFailuresByType(overall.failuresByType),
        '',
      ],
    ]),
    ...projects.flatMap((p) =>
      p.failure ? [`  ${p.projectId} failed: ${p.failure.type}: ${p.failure.message}`] : [],
    ),
  ].join('\n');
}

/** "4 of 5 servers collected in 3 projects, 1 failed (LogExportFailed 1); 1 project failed as a whole; archives …" */
export function overallLine(overall: CollectProjectsLogsResult['overall']): string {
  const { servers, succeeded, failed, bytes, projects, projectsFailed } = overall;
  return [
    `${succeeded} of ${servers} servers collected in ${plural(projects, 'project')}${failed ? `, ${failed} failed (${formatFailuresByType(overall.failuresByType)})` : ''}`,
    ...(projectsFailed ? [`${plural(projectsFailed, 'project')} failed as a whole`] : []),
    `archives ${formatBytes(bytes)} (${bytes} bytes)`,
  ].join('; ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A workflow that ended without its result: the type and message, also as JSON when asked. */
function reportFailure(outcome: Extract<Outcome<unknown>, { ok: false }>, json: boolean): number {
  if (json)
    console.log(JSON.stringify({ failure: { type: outcome.type, message: outcome.message } }, null, 2));
  console.error(`${outcome.type}: ${outcome.message}`);
  // A value the worker refused (a region it does not serve, say) is bad input, wherever it was caught.
  return outcome.type === FailureType.InvalidInput ? ExitCode.BadInput : ExitCode.WorkflowFailed;
}
