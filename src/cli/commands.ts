import type { Client } from '@temporalio/client';
import { Command, Help, InvalidArgumentError, Option } from 'commander';
import { startTracking } from '../client/tracking.js';
import {
  DEFAULT_TASK_QUEUE,
  extendTimeoutUpdate,
  pollNowSignal,
  type TrackLogExportInput,
  WorkflowType,
} from '../contract/index.js';
import { addRateLimitCommands } from '../request-budget/cli-commands.js';
import { addDeployCommands } from '../worker-deployment/cli-commands.js';
import { addCollectCommands } from './collect-commands.js';
import { type GlobalOptions, withClient } from './connect.js';
import { ExitCode } from './exit-codes.js';
import { addListCommands } from './list-command.js';
import { type OutputFlags, wantsJson, withOutputFlags } from './output-flags.js';
import { type PolicyFlags, policyOf, withPolicyFlags } from './policy-flags.js';
import { createProgressBars } from './progress-view.js';
import { reportCollection, reportFleet, reportProjects, reportTracker } from './reports.js';
import { formatStatus, statusReport } from './status.js';
import { watchCollection, watchFleet, watchProjects, watchTracker } from './watch.js';

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
    // Commander lists required options among the others without saying so.
    .configureHelp({
      optionDescription: (option) =>
        `${option.mandatory ? '(required) ' : ''}${new Help().optionDescription(option)}`,
    })
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
      const globals = command.optsWithGlobals<GlobalOptions>();
      process.exitCode = await withClient(globals, (client) => track(client, globals, options));
    });

  withOutputFlags(
    program
      .command('status')
      .description(
        "show a tracker's, collection's, fleet's or multi-project collection's state, progress, deadline and outcome",
      )
      .argument('<workflowId>'),
  ).action(async (workflowId: string, flags: OutputFlags, command: Command) => {
    process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), async (client) => {
      const report = await statusReport(client, workflowId);
      console.log(wantsJson(flags) ? JSON.stringify(report, null, 2) : formatStatus(report));
      return report.failure ? ExitCode.WorkflowFailed : ExitCode.Ok;
    });
  });

  program
    .command('watch')
    .description('follow a tracker, collection or fleet with a live progress bar until it ends')
    .argument('<workflowId>')
    .action(async (workflowId: string, _options: unknown, command: Command) => {
      process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), (client) =>
        watch(client, workflowId),
      );
    });

  program
    .command('cancel')
    .description('cancel a tracker, collection or fleet; it ends promptly as cancelled')
    .argument('<workflowId>')
    .action(async (workflowId: string, _options: unknown, command: Command) => {
      process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), (client) =>
        cancel(client, workflowId),
      );
    });

  program
    .command('poll-now')
    .description('make a tracker poll the API now instead of at its next scheduled poll')
    .argument('<workflowId>')
    .action(async (workflowId: string, _options: unknown, command: Command) => {
      process.exitCode = await withClient(command.optsWithGlobals<GlobalOptions>(), async (client) => {
        const handle = await runningWorkflow(client, workflowId, 'poll');
        if (!handle) return ExitCode.NotFoundOrConflict;
        await handle.signal(pollNowSignal);
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
        const handle = await runningWorkflow(client, workflowId, 'extend');
        if (!handle) return ExitCode.NotFoundOrConflict;
        const { deadline } = await handle.executeUpdate(extendTimeoutUpdate, {
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
  addDeployCommands(program);
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

async function track(client: Client, globals: GlobalOptions, options: TrackOptions): Promise<number> {
  const handle = await startTracking(client, trackInput(options), { taskQueue: globals.taskQueue });
  const runId = (await handle.describe()).runId;
  if (!options.wait) {
    if (options.json) console.log(JSON.stringify({ workflowId: handle.workflowId, runId }));
    else console.error(`Tracking ${handle.workflowId} (run ${runId})`);
    return ExitCode.Ok;
  }
  console.error(`Tracking ${handle.workflowId} (run ${runId})`);
  const bars = options.progress && !options.json ? createProgressBars() : undefined;
  const outcome = await watchTracker(handle, `export ${options.export}`, bars).finally(() => bars?.stop());
  return reportTracker(outcome, !!options.json);
}

/** `watch`: follows any workflow this tool starts, with the bar its kind has, until it ends. */
async function watch(client: Client, workflowId: string): Promise<number> {
  const { type } = await client.workflow.getHandle(workflowId).describe();
  const label = workflowId.split(':').at(-1) ?? workflowId;
  const bars = createProgressBars();
  try {
    if (type === WorkflowType.CollectServerLogs)
      return reportCollection(
        await watchCollection(client, client.workflow.getHandle(workflowId), label, bars),
        false,
      );
    if (type === WorkflowType.CollectFleetLogs)
      return reportFleet(await watchFleet(client.workflow.getHandle(workflowId), label, bars), false);
    if (type === WorkflowType.CollectProjectsLogs)
      return reportProjects(await watchProjects(client, client.workflow.getHandle(workflowId), bars), false);
    if (type === WorkflowType.TrackLogExport)
      return reportTracker(await watchTracker(client.workflow.getHandle(workflowId), label, bars), false);
  } finally {
    bars.stop();
  }
  throw new InvalidArgumentError(`${workflowId} is a ${type} workflow, not one this tool starts`);
}

async function cancel(client: Client, workflowId: string): Promise<number> {
  // Temporal accepts a cancellation of a closed workflow silently; say so instead.
  const handle = await runningWorkflow(client, workflowId, 'cancel');
  if (!handle) return ExitCode.Ok;
  await handle.cancel();
  console.error(`Cancellation requested for ${workflowId}`);
  return ExitCode.Ok;
}

/** The workflow's handle while it runs; otherwise says it has ended, and how, and returns nothing. */
async function runningWorkflow(client: Client, workflowId: string, what: string) {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') return handle;
  console.error(`${workflowId} has already ended (${status.name}); nothing to ${what}`);
  return undefined;
}
