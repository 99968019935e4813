import type { Client } from '@temporalio/client';
import { type Command, InvalidArgumentError } from 'commander';
import { startCollection, startFleetCollection, startProjectsCollection } from '../client/collection.js';
import {
  createFleetSchedule,
  describeFleetSchedule,
  type FleetScheduleView,
  OVERLAP_POLICIES,
  triggerSchedule,
} from '../client/schedules.js';
import {
  DEFAULT_FLEET_CONCURRENCY,
  DEFAULT_FLEET_MANAGE_STATE,
  durationSchema,
  formatDuration,
  type ProjectEntry,
} from '../contract/index.js';
import { type GlobalOptions, withClient } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { type FleetFlags, fleetInputOf, withFleetFlags } from './fleet-flags.js';
import { keyValueLines } from './key-value.js';
import { type OutputFlags, wantsJson, withOutputFlags } from './output-flags.js';
import { type PolicyFlags, policyOf, withPolicyFlags } from './policy-flags.js';
import { createProgressBars } from './progress-view.js';
import { reportCollection, reportFleet, reportProjects } from './reports.js';
import { watchCollection, watchFleet, watchProjects } from './watch.js';

interface CollectFlags extends PolicyFlags {
  project: string;
  server: string;
  region?: string;
  destination?: string;
  wait?: boolean;
  json?: boolean;
}

interface CollectFleetFlags extends FleetFlags {
  wait?: boolean;
  json?: boolean;
}

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
        .description(
          "collect logs from a project's servers (all listed ones, or --servers), or from several projects' at once",
        )
        .option('--wait', 'wait until every server is done, with a live progress bar')
        .option('--json', 'print the result (or the started workflow) as JSON'),
    ),
  ).action(async (flags: CollectFleetFlags, command: Command) => {
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
        input: await fleetInputOf(flags),
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

  withOutputFlags(schedule.command('list').description('list schedules')).action(
    async (flags: OutputFlags, command: Command) => {
      process.exitCode = await run(command, async (client) => {
        const rows = [];
        for await (const s of client.schedule.list()) {
          rows.push({
            scheduleId: s.scheduleId,
            paused: s.state.paused,
            next: s.info.nextActionTimes[0]?.toISOString() ?? null,
          });
        }
        if (wantsJson(flags)) console.log(JSON.stringify(rows, null, 2));
        else
          for (const r of rows)
            console.log(`${r.scheduleId}\t${r.paused ? 'paused' : 'active'}\tnext ${r.next ?? '-'}`);
        return ExitCode.Ok;
      });
    },
  );

  withOutputFlags(
    schedule
      .command('describe')
      .description('everything a schedule was created with, its next runs, and the runs going on')
      .argument('<scheduleId>'),
  ).action(async (scheduleId: string, flags: OutputFlags, command: Command) => {
    process.exitCode = await run(command, async (client) => {
      const view = await describeFleetSchedule(client, scheduleId);
      console.log(wantsJson(flags) ? JSON.stringify(view, null, 2) : formatSchedule(view));
      return ExitCode.Ok;
    });
  });

  for (const [name, what] of [
    ['pause', 'pause a schedule'],
    ['unpause', 'unpause a schedule'],
  ] as const) {
    schedule
      .command(name)
      .argument('<scheduleId>')
      .description(what)
      .option('--note <text>', 'why, shown with the schedule')
      .action(async (scheduleId: string, flags: { note?: string }, command: Command) => {
        process.exitCode = await run(command, async (client) => {
          const handle = client.schedule.getHandle(scheduleId);
          await (name === 'pause' ? handle.pause(flags.note) : handle.unpause(flags.note));
          console.error(`${name}: ${scheduleId}`);
          return ExitCode.Ok;
        });
      });
  }
  for (const [name, what] of [
    [
      'trigger',
      'run a schedule now (skipped, like a scheduled run, while one is running if its overlap is skip)',
    ],
    ['delete', 'delete a schedule (runs it started go on)'],
  ] as const) {
    schedule
      .command(name)
      .argument('<scheduleId>')
      .description(what)
      .action(async (scheduleId: string, _flags: unknown, command: Command) => {
        process.exitCode = await run(command, async (client) => {
          await (name === 'trigger'
            ? triggerSchedule(client, scheduleId)
            : client.schedule.getHandle(scheduleId).delete());
          console.error(`${name}: ${scheduleId}`);
          return ExitCode.Ok;
        });
      });
  }
}

/** A schedule as `key  value` rows, every setting `schedule create` took among them. */
function formatSchedule(view: FleetScheduleView): string {
  const { input } = view;
  const projects = 'projects' in input ? input.projects : [input];
  const rows: Array<[string, string]> = [
    ['Schedule', `${view.scheduleId} (${view.paused ? 'paused' : 'active'})`],
    ['Workflow', view.workflowType],
    ...projects.flatMap((project) => projectRows(project, projects.length > 1)),
    ...(input.destination ? [['Destination', input.destination] as [string, string]] : []),
    ...(input.policy ? [['Policy', JSON.stringify(input.policy)] as [string, string]] : []),
    ...view.cron.map((c): [string, string] => ['Cron', c]),
    ...view.everyMs.map((ms): [string, string] => ['Every', formatDuration(ms)]),
    ['Time zone', view.timezone ?? 'UTC'],
    ['Overlap', view.overlap],
    ['Catch-up window', formatDuration(view.catchupWindowMs)],
    ['Task queue', view.taskQueue],
    ...(view.note ? [['Note', view.note] as [string, string]] : []),
    ['Next runs', view.nextRuns.join(', ') || '-'],
    ['Running', view.runningRuns.join(', ') || '-'],
    ...view.recentRuns.map((r): [string, string] => ['Ran', `${r.scheduledAt}: ${r.workflowId}`]),
  ];
  return keyValueLines(rows);
}

/** A project's settings: a row each for one project, one line for each of several. */
function projectRows(project: ProjectEntry, oneOfSeveral: boolean): Array<[string, string]> {
  const servers =
    project.serverIds?.join(', ') ??
    `every ${project.manageState ?? DEFAULT_FLEET_MANAGE_STATE} server listed`;
  const concurrency = String(project.concurrency ?? DEFAULT_FLEET_CONCURRENCY);
  if (oneOfSeveral)
    return [
      [
        'Project',
        `${project.projectId}: region ${project.region ?? 'default'}, ${servers}, ${concurrency} at once`,
      ],
    ];
  return [
    ['Project', project.projectId],
    ['Servers', servers],
    ['Concurrency', concurrency],
    ...(project.region ? [['Region', project.region] as [string, string]] : []),
  ];
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
  const outcome = await watchCollection(client, handle, flags.server, bars).finally(() => bars?.stop());
  return reportCollection(outcome, !!flags.json);
}

async function collectFleet(
  client: Client,
  globals: GlobalOptions,
  flags: CollectFleetFlags,
): Promise<number> {
  const input = await fleetInputOf(flags);
  const bars = () => (flags.json ? undefined : createProgressBars());
  if ('projects' in input) {
    const handle = await startProjectsCollection(client, input, { taskQueue: globals.taskQueue });
    if (!announce('Collecting projects', handle.workflowId, flags)) return ExitCode.Ok;
    const shown = bars();
    const outcome = await watchProjects(client, handle, shown).finally(() => shown?.stop());
    return reportProjects(outcome, !!flags.json);
  }
  const handle = await startFleetCollection(client, input, { taskQueue: globals.taskQueue });
  if (!announce('Collecting fleet', handle.workflowId, flags)) return ExitCode.Ok;
  const shown = bars();
  const outcome = await watchFleet(handle, input.projectId, shown).finally(() => shown?.stop());
  return reportFleet(outcome, !!flags.json);
}
