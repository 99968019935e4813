import type { Client } from '@temporalio/client';
import { type Command, Option } from 'commander';
import { SearchAttribute, WorkflowType } from '../contract/index.js';
import { type GlobalOptions, withClient } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { type OutputFlags, wantsJson, withOutputFlags } from './output-flags.js';
import { columns } from './table.js';

const STATES = ['pending', 'running', 'completed', 'failed', 'timed-out', 'stalled', 'cancelled'];

interface ListFlags extends OutputFlags {
  project?: string;
  server?: string;
  state?: string;
  limit: string;
}

/** `list`: finding trackers by their search attributes. */
export function addListCommands(program: Command): void {
  withOutputFlags(
    program
      .command('list')
      .description('list trackers, newest first, filtered by their search attributes')
      .option('--project <id>', 'only this project')
      .option('--server <id>', 'only this server')
      .addOption(new Option('--state <state>', 'only trackers in this state').choices(STATES))
      .option('--limit <n>', 'at most this many', '50'),
  ).action(async (flags: ListFlags, command: Command) => {
    process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), async (client) => {
      const rows = await listTrackers(client, flags);
      if (wantsJson(flags)) console.log(JSON.stringify(rows, null, 2));
      else console.log(table(rows));
      return ExitCode.Ok;
    });
  });
}

export interface TrackerRow {
  workflowId: string;
  state: string;
  percent: number | null;
  project: string;
  server: string;
  export: string;
  started: string;
}

async function listTrackers(client: Client, flags: ListFlags): Promise<TrackerRow[]> {
  const quote = (value: string) => `'${value.replace(/'/g, "\\'")}'`;
  const clauses = [
    `WorkflowType = ${quote(WorkflowType.TrackLogExport)}`,
    ...(flags.project ? [`${SearchAttribute.projectId.name} = ${quote(flags.project)}`] : []),
    ...(flags.server ? [`${SearchAttribute.serverId.name} = ${quote(flags.server)}`] : []),
    ...(flags.state ? [`${SearchAttribute.status.name} = ${quote(flags.state)}`] : []),
  ];
  const limit = Math.max(1, Number(flags.limit) || 50);
  const rows: TrackerRow[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
    const attrs = execution.typedSearchAttributes;
    rows.push({
      workflowId: execution.workflowId,
      state: attrs.get(SearchAttribute.status) ?? execution.status.name.toLowerCase(),
      percent: attrs.get(SearchAttribute.percent) ?? null,
      project: attrs.get(SearchAttribute.projectId) ?? '',
      server: attrs.get(SearchAttribute.serverId) ?? '',
      export: attrs.get(SearchAttribute.exportId) ?? '',
      started: execution.startTime.toISOString(),
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

/** Headers in capitals, one row a tracker. */
function table(rows: TrackerRow[]): string {
  return columns([
    ['WORKFLOW ID', 'STATE', 'PERCENT', 'PROJECT', 'SERVER', 'EXPORT', 'STARTED'],
    ...rows.map((r) => [
      r.workflowId,
      r.state,
      r.percent === null ? '-' : `${r.percent}%`,
      r.project,
      r.server,
      r.export,
      r.started,
    ]),
  ]);
}
