import type { Client } from '@temporalio/client';
import { type Command, InvalidArgumentError } from 'commander';
import { startCollection, startFleetCollection } from '../client/collection.js';
import { createFleetSchedule, OVERLAP_POLICIES } from '../client/schedules.js';
import {
  type CollectFleetLogsInput,
  durationSchema,
  getCollectionProgressQuery,
  getFleetProgressQuery,
  getProgressQuery,
  logExportWorkflowId,
  MANAGE_STATES,
} from '../contract/index.js';
import { ExitCode, type GlobalOptions, withClient } from './connect.js';
import { type PolicyFlags, policyOf, withPolicyFlags } from './policy-flags.js';
import { createProgressBars } from './progress-view.js';
import { describeFailure } from './watch.js';

interface CollectFlags extends PolicyFlags {
  project: string;
  server: string;
  region?: string;
  destination?: string;
  wait?: boolean;
  json?: boolean;
}

interface FleetFlags extends PolicyFlags {
  project: string;
  servers?: string[];
  manageState?: string;
  concurrency?: number;
  region?: string;
  destination?: string;
  wait?: boolean;
  json?: boolean;
}

const REFRESH_MS = 1_000;

/** `collect`, `collect-fleet` and `schedule ...`: the log collection commands. */
export function addCollectCommands(program: Command): void {
  withPolicyFlags(
    program
      .command('collect')
      .description("collect one server's logs: request an export, track it, download the archive")
      .requiredOption('--project <id>', 'CloudDC project ID')
      .requiredOption('--server <id>', 'physical server ID')
      .option('--region <name>', 'region name (the worker must serve it)')
      .option('--destination <dir>', 'sub-directory of the worker archive directory')
      .option('--wait', 'wait for the archive, with a live progress bar')
      .option('--json', 'print the result (or the started workflow) as JSON'),
  ).action(async (flags: CollectFlags, command: Command) => {
    process.exitCode = await run(command, (client, globals) => collect(client, globals, flags));
  });

  withFleetFlags(
    withPolicyFlags(
      program
        .command('collect-fleet')
        .description("collect logs from a project's servers (all listed ones, or --servers)")
        .option('--wait', 'wait until every server is done, with a live progress bar')
        .option('--json', 'print the result (or the started workflow) as JSON'),
    ),
  ).action(async (flags: FleetFlags, command: Command) => {
    process.exitCode = await run(command, (client, globals) => collectFleet(client, globals, flags));
  });

  const schedule = program
    .command('schedule')
    .description('Temporal Schedules that collect a fleet regularly');
  withFleetFlags(
    withPolicyFlags(
      schedule
        .command('create')
        .argument('<scheduleId>')
        .description('create a schedule that runs collect-fleet')
        .option('--cron <expression...>', 'cron expression(s), e.g. "0 2 * * *"')
        .option('--every <duration>', 'interval, e.g. 24h', duration)
        .option('--timezone <iana>', 'time zone of the cron expressions, e.g. Europe/Berlin')
        .option(
          '--overlap <policy>',
          `what to do when a run is still going: ${Object.keys(OVERLAP_POLICIES).join(', ')}`,
          'skip',
        )
        .option(
          '--catchup-window <duration>',
          'how far back missed runs are still taken after an outage',
          duration,
        )
        .option('--note <text>', 'a note shown with the schedule'),
    ),
  ).action(async (scheduleId: string, flags: FleetFlags & ScheduleFlags, command: Command) => {
    process.exitCode = await run(command, async (client, globals) => {
      if (!(flags.overlap in OVERLAP_POLICIES))
        throw new InvalidArgumentError(
          `--overlap must be one of ${Object.keys(OVERLAP_POLICIES).join(', ')}`,
        );
      await createFleetSchedule(client, {
        scheduleId,
        input: fleetInput(flags),
        taskQueue: globals.taskQueue,
        ...(flags.cron ? { cron: flags.cron } : {}),
        ...(flags.every !== undefined ? { everyMs: flags.every } : {}),
        ...(flags.timezone ? { timezone: flags.timezone } : {}),
        overlap: flags.overlap as keyof typeof OVERLAP_POLICIES,
        ...(flags.catchupWindow !== undefined ? { catchupWindowMs: flags.catchupWindow } : {}),
        ...(flags.note ? { note: flags.note } : {}),
      });
      console.error(`Created schedule ${scheduleId}`);
      return ExitCode.Ok;
    });
  });

  schedule
    .command('list')
    .description('list schedules')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      process.exitCode = await run(command, async (client) => {
        const rows = [];
        for await (const s of client.schedule.list()) {
          rows.push({
            scheduleId: s.scheduleId,
            paused: s.state.paused,
            next: s.info.nextActionTimes[0]?.toISOString() ?? null,
          });
        }
        if (flags.json) console.log(JSON.stringify(rows, null, 2));
        else
          for (const r of rows)
            console.log(`${r.scheduleId}\t${r.paused ? 'paused' : 'active'}\tnext ${r.next ?? '-'}`);
        return ExitCode.Ok;
      });
    });

  schedule
    .command('describe')
    .argument('<scheduleId>')
    .option('--json', 'print as JSON')
    .action(async (scheduleId: string, flags: { json?: boolean }, command: Command) => {
      process.exitCode = await run(command, async (client) => {
        const d = await client.schedule.getHandle(scheduleId).describe();
        const report = {
          scheduleId,
          paused: d.state.paused,
          note: d.state.note ?? null,
          overlap: d.policies.overlap,
          catchupWindowMs: d.policies.catchupWindow,
          nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
          recentRuns: d.info.recentActions.map((a) => ({
            scheduledAt: a.scheduledAt.toISOString(),
            workflowId: a.action.workflow.workflowId,
            runId: a.action.workflow.firstExecutionRunId,
          })),
          runningRuns: d.info.runningActions.map((a) => a.workflow.workflowId),
        };
        if (flags.json) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(`${scheduleId}: ${report.paused ? 'paused' : 'active'}, overlap ${report.overlap}`);
          console.log(`next runs: ${report.nextActionTimes.join(', ') || '-'}`);
          for (const r of report.recentRuns) console.log(`ran ${r.scheduledAt}: ${r.workflowId}`);
        }
        return ExitCode.Ok;
      });
    });

  for (const [name, what] of [
    ['pause', 'pause a schedule'],
    ['unpause', 'unpause a schedule'],
    ['trigger', 'run a schedule now'],
    ['delete', 'delete a schedule'],
  ] as const) {
    schedule
      .command(name)
      .argument('<scheduleId>')
      .description(what)
      .option('--note <text>', 'why (pause and unpause)')
      .action(async (scheduleId: string, flags: { note?: string }, command: Command) => {
        process.exitCode = await run(command, async (client) => {
          const handle = client.schedule.getHandle(scheduleId);
          if (name === 'pause') await handle.pause(flags.note);
          else if (name === 'unpause') await handle.unpause(flags.note);
          else if (name === 'trigger') await handle.trigger();
          else await handle.delete();
          console.error(`${name}: ${scheduleId}`);
          return ExitCode.Ok;
        });
      });
  }
}

interface ScheduleFlags {
  cron?: string[];
  every?: number;
  timezone?: string;
  overlap: string;
  catchupWindow?: number;
  note?: string;
}

function duration(value: string): number {
  const parsed = durationSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('expected a duration such as "24h" or "30m"');
  return parsed.data;
}

function withFleetFlags(command: Command): Command {
  return command
    .requiredOption('--project <id>', 'CloudDC project ID')
    .option('--servers <ids>', 'comma-separated server IDs (default: list the project)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option('--manage-state <state>', `servers to list: ${MANAGE_STATES.join(', ')} (default in-use)`)
    .option('--concurrency <n>', 'servers collected at once (default 20)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError('expected a whole number of at least 1');
      return n;
    })
    .option('--region <name>', 'region name (the worker must serve it)')
    .option('--destination <dir>', 'sub-directory of the worker archive directory');
}

function fleetInput(flags: FleetFlags): CollectFleetLogsInput {
  return {
    projectId: flags.project,
    ...(flags.servers ? { serverIds: flags.servers } : {}),
    ...(flags.manageState ? { manageState: flags.manageState as CollectFleetLogsInput['manageState'] } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.destination ? { destination: flags.destination } : {}),
    ...policyOf(flags),
  };
}

/** Runs a subcommand with a client (see `withClient`) and the program's global options. */
function run(
  command: Command,
  body: (client: Client, globals: GlobalOptions) => Promise<number>,
): Promise<number> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return withClient(globals, (client) => body(client, globals));
}

/** Says what started; true when the caller should go on waiting for it. */
function announce(what: string, workflowId: string, flags: { wait?: boolean; json?: boolean }): boolean {
  console.error(`${what}: ${workflowId}`);
  if (!flags.wait && flags.json) console.log(JSON.stringify({ workflowId }));
  return !!flags.wait;
}

function reportFailure(err: unknown): number {
  const { type, message } = describeFailure(err);
  console.error(`${type}: ${message}`);
  return ExitCode.TrackingFailed;
}

async function collect(client: Client, globals: GlobalOptions, flags: CollectFlags): Promise<number> {
  const handle = await startCollection(
    client,
    {
      projectId: flags.project,
      serverId: flags.server,
      ...(flags.region ? { region: flags.region } : {}),
      ...(flags.destination ? { destination: flags.destination } : {}),
      ...policyOf(flags),
    },
    { taskQueue: globals.taskQueue },
  );
  if (!announce('Collecting', handle.workflowId, flags)) return ExitCode.Ok;
  const bars = flags.json ? undefined : createProgressBars();
  const bar = bars?.create(100, 0, { label: flags.server, state: 'requesting', polls: 0, next: '' });
  const refreshing = bar
    ? refreshEvery(async () => {
        const phase = await handle.query(getCollectionProgressQuery).catch(() => undefined);
        if (phase?.exportId && phase.phase === 'tracking') {
          const tracker = client.workflow.getHandle(
            logExportWorkflowId({
              projectId: flags.project,
              serverId: flags.server,
              exportId: phase.exportId,
            }),
          );
          const p = await tracker.query(getProgressQuery).catch(() => undefined);
          bar.update(Math.floor(p?.percentage ?? 0), {
            label: flags.server,
            state: `export ${phase.exportId}: ${p?.status ?? 'waiting'}`,
            polls: p?.polls ?? 0,
            next: '',
          });
        } else if (phase) {
          bar.update({ label: flags.server, state: phase.phase, polls: 0, next: '' });
        }
      })
    : undefined;
  try {
    const result = await handle.result();
    bar?.update(100, { label: flags.server, state: 'archive downloaded', polls: result.polls, next: 'done' });
    if (flags.json) console.log(JSON.stringify(result, null, 2));
    else
      console.error(
        `Archive: ${result.archive.path ?? result.archive.url} (${result.archive.bytes} bytes, sha256 ${result.archive.sha256})`,
      );
    return ExitCode.Ok;
  } catch (err) {
    return reportFailure(err);
  } finally {
    await refreshing?.stop();
    bars?.stop();
  }
}

async function collectFleet(client: Client, globals: GlobalOptions, flags: FleetFlags): Promise<number> {
  const handle = await startFleetCollection(client, fleetInput(flags), { taskQueue: globals.taskQueue });
  if (!announce('Collecting fleet', handle.workflowId, flags)) return ExitCode.Ok;
  const bars = flags.json ? undefined : createProgressBars();
  const bar = bars?.create(1, 0, { label: flags.project, state: 'listing servers', polls: 0, next: '' });
  const refreshing = bar
    ? refreshEvery(async () => {
        const p = await handle.query(getFleetProgressQuery).catch(() => undefined);
        if (p?.listed) {
          bar.setTotal(Math.max(1, p.total));
          bar.update(p.succeeded + p.failed, {
            label: flags.project,
            state: `${p.running} running, ${p.failed} failed`,
            polls: 0,
            next: '',
          });
        }
      })
    : undefined;
  try {
    const result = await handle.result();
    if (flags.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.error(`${result.succeeded.length} of ${result.total} servers collected`);
      for (const f of result.failed) console.error(`  ${f.serverId}: ${f.type}: ${f.message}`);
    }
    return result.failed.length > 0 ? ExitCode.TrackingFailed : ExitCode.Ok;
  } catch (err) {
    return reportFailure(err);
  } finally {
    await refreshing?.stop();
    bars?.stop();
  }
}

/** Runs `refresh` about once a second until stopped; a failed refresh just waits for the next. */
function refreshEvery(refresh: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await refresh().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
