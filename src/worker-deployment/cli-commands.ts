import type { Client } from '@temporalio/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type GlobalOptions, withClient } from '../cli/connect.js';
import { ExitCode } from '../cli/exit-codes.js';
import { type OutputFlags, wantsJson, withOutputFlags } from '../cli/output-flags.js';
import { durationSchema } from '../contract/index.js';
import { DEFAULT_DEPLOYMENT_NAME, type DeploymentView } from './contract.js';
import {
  DeploymentNotFound,
  type DeploymentPlace,
  deleteBuild,
  describeDeployment,
  setCurrentBuild,
  setRampingBuild,
  stopRamping,
} from './routing.js';

interface DeployOptions {
  deployment: string;
}

/**
 * `deploy status|ramp|promote|wait-drained|delete`: moving new work from one build of the worker
 * to the next, while what runs stays on the build that started it (docs/upgrading.md).
 */
export function addDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('roll out a new worker build: ramp it, promote it, and retire the old one once drained')
    .addOption(
      new Option('--deployment <name>', 'Worker Deployment of the workers')
        .env('TEMPORAL_DEPLOYMENT_NAME')
        .default(DEFAULT_DEPLOYMENT_NAME),
    );

  withOutputFlags(
    deploy.command('status').description('the current and ramping builds, and what each build still runs'),
  ).action(async (flags: OutputFlags, command: Command) => {
    await run(command, async (place, deployment) => {
      const { view } = await describeDeployment(place, deployment);
      console.log(wantsJson(flags) ? JSON.stringify(view, null, 2) : deploymentTable(view));
      return ExitCode.Ok;
    });
  });

  deploy
    .command('ramp')
    .description('send a share of new trackers, collections and fleets to a build beside the current one')
    .argument('<buildId>', 'the build to ramp (its workers must be polling)')
    .requiredOption('--percent <0-100>', 'share of new workflows it takes; 0 stops the ramp', percentage)
    .action(async (buildId: string, flags: { percent: number }, command: Command) => {
      await run(command, async (place, deploymentName) => {
        if (flags.percent === 0) await stopRamping(place, deploymentName);
        else await setRampingBuild(place, { deploymentName, buildId }, flags.percent);
        console.error(
          flags.percent === 0
            ? `Ramp of ${deploymentName} stopped: new workflows start on the current build only`
            : `Build ${buildId} takes ${flags.percent}% of new workflows of ${deploymentName}`,
        );
        return ExitCode.Ok;
      });
    });

  deploy
    .command('promote')
    .description('make a build current: all new work starts on it; runs pinned to older builds finish there')
    .argument('<buildId>', 'the build to promote (its workers must be polling)')
    .action(async (buildId: string, _flags: unknown, command: Command) => {
      await run(command, async (place, deploymentName) => {
        const before = (await describeDeployment(place, deploymentName)).view.currentBuildId;
        await setCurrentBuild(place, { deploymentName, buildId });
        console.error(
          `Build ${buildId} is current in ${deploymentName}` +
            (before && before !== buildId ? `; build ${before} drains as its pinned runs finish` : ''),
        );
        return ExitCode.Ok;
      });
    });

  deploy
    .command('wait-drained')
    .description('wait until no run is pinned to a build any more, so its workers can be stopped')
    .argument('<buildId>', 'a build that is no longer current or ramping')
    .option('--timeout <duration>', 'give up after this long (exit 1)', '1h')
    .action(async (buildId: string, flags: { timeout: string }, command: Command) => {
      const timeoutMs = durationSchema.parse(flags.timeout);
      await run(command, async (place, deploymentName) => {
        const status = await waitDrained(place, deploymentName, buildId, timeoutMs);
        console.error(`Build ${buildId} of ${deploymentName}: ${status}`);
        return status === 'drained' ? ExitCode.Ok : ExitCode.WorkflowFailed;
      });
    });

  deploy
    .command('delete')
    .description('remove a drained build whose workers have stopped')
    .argument('<buildId>')
    .action(async (buildId: string, _flags: unknown, command: Command) => {
      await run(command, async (place, deploymentName) => {
        await deleteBuild(place, { deploymentName, buildId });
        console.error(`Build ${buildId} removed from ${deploymentName}`);
        return ExitCode.Ok;
      });
    });
}

async function run(
  command: Command,
  body: (place: DeploymentPlace, deploymentName: string) => Promise<number>,
): Promise<void> {
  const globals = command.optsWithGlobals<GlobalOptions & DeployOptions>();
  process.exitCode = await withClient(globals, (client: Client) =>
    body({ service: client.workflowService, namespace: globals.namespace }, globals.deployment),
  );
}

/**
 * The server re-checks a build's drainage every few minutes (dynamic config
 * `matching.wv.VersionDrainageStatusRefreshInterval`), so this polls its status until it says so.
 */
async function waitDrained(
  place: DeploymentPlace,
  deploymentName: string,
  buildId: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { view } = await describeDeployment(place, deploymentName);
    const status = view.builds.find((build) => build.buildId === buildId)?.status;
    if (status === undefined) throw new DeploymentNotFound(deploymentName, place.namespace, buildId);
    if (status === 'drained' || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, Math.max(0, deadline - Date.now()))));
  }
}

function percentage(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('must be a number from 0 to 100');
  return n;
}

function deploymentTable(view: DeploymentView): string {
  const lines = [
    `Worker Deployment ${view.deploymentName}`,
    `  current: ${view.currentBuildId ?? '(unversioned workers)'}`,
    `  ramping: ${view.rampingBuildId ? `${view.rampingBuildId} at ${view.rampingPercentage}%` : '(none)'}`,
    '',
    `  ${'BUILD'.padEnd(32)} ${'STATUS'.padEnd(9)} CREATED`,
    ...view.builds.map(
      (build) => `  ${build.buildId.padEnd(32)} ${build.status.padEnd(9)} ${build.createdAt ?? ''}`,
    ),
  ];
  return lines.join('\n');
}
