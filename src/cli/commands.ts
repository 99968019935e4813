import { ApplicationFailure } from '@temporalio/common';
import { Command, Option } from 'commander';
import { startTracking, type TrackerHandle } from '../client/tracking.js';
import {
  DEFAULT_TASK_QUEUE,
  extendTimeoutUpdate,
  FailureType,
  formatDuration,
  getProgressQuery,
  type LogExportProgress,
  pollNowSignal,
  type TrackLogExportInput,
} from '../contract/index.js';
import { addCollectCommands } from './collect-commands.js';
import { connectClient, ExitCode, type GlobalOptions, withClient } from './connect.js';
import { addListCommands, outputOption } from './list-command.js';
import { type PolicyFlags, policyOf, withPolicyFlags } from './policy-flags.js';
import { createProgressBars } from './progress-view.js';
import { addRateLimitCommands } from './rate-limit-commands.js';
import { describeFailure, watchTracker } from './watch.js';

interface TrackOptions extends PolicyFlags {
  project: string;
  server: string;
  export: string;
  region?: string;
  wait?: boolean;
  json?: boolean;
  progress: boolean;
}

export function buildProgram(): Command {
  const program = new Command('clouddc-logs')
    .description('Track Huawei Cloud CloudDC server log exports as durable Temporal workflows')
    .addOption(
      new Option('--address <host:port>', 'Temporal frontend')
        .env('TEMPORAL_ADDRESS')
        .default('localhost:7233'),
    )
    .addOption(
      new Option('--namespace <name>', 'Temporal namespace').env('TEMPORAL_NAMESPACE').default('default'),
    )
    .addOption(
      new Option('--task-queue <name>', 'task queue of the tracker workers')
        .env('TEMPORAL_TASK_QUEUE')
        .default(DEFAULT_TASK_QUEUE),
    )
    .showHelpAfterError()
    // Commander's own exit code for usage errors is 1, the same as a failed export.
    .exitOverride();

  withPolicyFlags(
    program
      .command('track')
      .description('start tracking a log export, or attach to the tracker already running for it')
      .requiredOption('--project <id>', 'CloudDC project ID')
      .requiredOption('--server <id>', 'physical server ID')
      .requiredOption('--export <id>', 'export ID returned by ExportServerLogs')
      .option('--region <name>', 'region name, e.g. cn-east-3 (the worker must serve it)'),
  )
    .option('--wait', 'wait for the outcome, with a live progress bar')
    .option('--json', 'print the result (or the started workflow) as JSON on stdout')
    .option('--no-progress', 'with --wait, no progress bar')
    .action(async (options: TrackOptions, command: Command) => {
      process.exitCode = await track(command.optsWithGlobals<GlobalOptions & TrackOptions>(), options);
    });

  program
    .command('status')
    .description("show a tracker's state, progress and outcome")
    .argument('<workflowId>')
    .option('--json', 'print as JSON (as --output json)')
    .addOption(outputOption())
    .action(async (workflowId: string, options: { json?: boolean; output: string }, command: Command) => {
      process.exitCode = await status(
        command.optsWithGlobals<GlobalOptions>(),
        workflowId,
        !!options.json || options.output === 'json',
      );
    });

  program
    .command('cancel')
    .description('cancel a tracker; it ends promptly as cancelled')
    .argument('<workflowId>')
    .action(async (workflowId: string, _options: unknown, command: Command) => {
      process.exitCode = await cancel(command.optsWithGlobals<GlobalOptions>(), workflowId);
    });

  program
    .command('poll-now')
    .description('make a tracker poll the API now instead of at its next scheduled poll')
    .argument('<workflowId>')
    .action(async (workflowId: string, _options: unknown, command: Command) => {
      process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), async (client) => {
        await client.workflow.getHandle(workflowId).signal(pollNowSignal);
        console.error(`Asked ${workflowId} to poll now`);
        return ExitCode.Ok;
      });
    });

  program
    .command('extend')
    .description(
      'give a tracker more time before it gives up (the extendTimeout update); prints the new deadline',
    )
    .argument('<workflowId>')
    .option('--by <duration>', 'add this to the current deadline, e.g. 2h')
    .option('--until <time>', 'the new deadline, ISO 8601')
    .action(async (workflowId: string, options: { by?: string; until?: string }, command: Command) => {
      process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), async (client) => {
        const { deadline } = await client.workflow.getHandle(workflowId).executeUpdate(extendTimeoutUpdate, {
          args: [
            {
              ...(options.by ? { by: options.by } : {}),
              ...(options.until ? { until: options.until } : {}),
            },
          ],
        });
        console.log(deadline);
        return ExitCode.Ok;
      });
    });

  addListCommands(program);
  addCollectCommands(program);
  addRateLimitCommands(program);
  return program;
}

function trackInput(options: TrackOptions): TrackLogExportInput {
  return {
    projectId: options.project,
    serverId: options.server,
    exportId: options.export,
    ...(options.region ? { region: options.region } : {}),
    ...policyOf(options),
  };
}

async function track(globals: GlobalOptions, options: TrackOptions): Promise<number> {
  const { client, close } = await connectClient(globals);
  try {
    let handle: TrackerHandle;
    try {
      handle = await startTracking(client, trackInput(options), { taskQueue: globals.taskQueue });
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === FailureType.InvalidInput) {
        console.error(`${err.type}: ${err.message}`);
        return ExitCode.Usage;
      }
      throw err;
    }
    const runId = (await handle.describe()).runId;
    if (!options.wait) {
      if (options.json) console.log(JSON.stringify({ workflowId: handle.workflowId, runId }));
      else console.error(`Tracking ${handle.workflowId} (run ${runId})`);
      return ExitCode.Ok;
    }
    console.error(`Tracking ${handle.workflowId} (run ${runId})`);
    const bars = options.progress && !options.json ? createProgressBars() : undefined;
    const outcome = await watchTracker(handle, `export ${options.export}`, bars).finally(() => bars?.stop());
    if (outcome.ok) {
      if (options.json) console.log(JSON.stringify(outcome.result, null, 2));
      else
        console.error(
          `Completed: ${outcome.result.status} ${outcome.result.percentage}% after ${outcome.result.polls} polls ` +
            `(${formatDuration(Date.parse(outcome.result.completedAt) - Date.parse(outcome.result.startedAt))})`,
        );
      return ExitCode.Ok;
    }
    if (options.json)
      console.log(JSON.stringify({ failure: { type: outcome.type, message: outcome.message } }, null, 2));
    console.error(`${outcome.type}: ${outcome.message}`);
    return ExitCode.TrackingFailed;
  } finally {
    await close();
  }
}

async function status(globals: GlobalOptions, workflowId: string, json: boolean): Promise<number> {
  const { client, close } = await connectClient(globals);
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const progress = await handle.query(getProgressQuery).catch(() => undefined);
    const pending = description.raw.pendingActivities?.[0];
    const retrying =
      pending?.lastFailure?.message && (pending.attempt ?? 0) > 1
        ? { attempt: pending.attempt ?? 0, lastFailure: pending.lastFailure.message }
        : undefined;
    const closed = description.status.name !== 'RUNNING';
    const ending = closed
      ? await handle.result().then(
          (result: unknown) => ({ result }),
          (err: unknown) => {
            const { type, message } = describeFailure(err);
            return { failure: { type, message } };
          },
        )
      : {};
    const report = {
      workflowId,
      runId: description.runId,
      workflowStatus: description.status.name,
      ...(progress ? { progress } : {}),
      ...(retrying ? { retrying } : {}),
      ...ending,
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else console.log(formatStatus(report, progress));
    return 'failure' in ending ? ExitCode.TrackingFailed : ExitCode.Ok;
  } finally {
    await close();
  }
}

function formatStatus(
  report: {
    workflowId: string;
    runId: string;
    workflowStatus: string;
    retrying?: { attempt: number; lastFailure: string };
  } & {
    result?: unknown;
    failure?: { type: string; message: string };
  },
  progress: LogExportProgress | undefined,
): string {
  const rows: Array<[string, string]> = [
    ['Workflow', `${report.workflowId} (run ${report.runId})`],
    ['State', report.workflowStatus],
  ];
  if (progress) {
    rows.push([
      'Export',
      `${progress.status ?? 'no answer yet'}${progress.percentage === null ? '' : ` ${progress.percentage}%`}`,
    ]);
    rows.push(['Polls', String(progress.polls)]);
    rows.push(['Started', progress.startedAt]);
    if (progress.lastPolledAt) rows.push(['Last poll', progress.lastPolledAt]);
    if (progress.nextPollAt)
      rows.push([
        'Next poll',
        `${progress.nextPollAt} (in ${formatDuration(Date.parse(progress.nextPollAt) - Date.now())})`,
      ]);
    if (progress.lastError) rows.push(['Last error', progress.lastError]);
  }
  if (report.retrying)
    rows.push(['Retrying', `attempt ${report.retrying.attempt}: ${report.retrying.lastFailure}`]);
  if (report.failure) rows.push(['Failure', `${report.failure.type}: ${report.failure.message}`]);
  if (report.result) rows.push(['Result', JSON.stringify(report.result)]);
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

async function cancel(globals: GlobalOptions, workflowId: string): Promise<number> {
  const { client, close } = await connectClient(globals);
  try {
    await client.workflow.getHandle(workflowId).cancel();
    console.error(`Cancellation requested for ${workflowId}`);
    return ExitCode.Ok;
  } finally {
    await close();
  }
}
