import type { Command } from 'commander';
import { type GlobalOptions, withClient } from '../cli/connect.js';
import { ExitCode } from '../cli/exit-codes.js';
import { type OutputFlags, wantsJson, withOutputFlags } from '../cli/output-flags.js';
import { describeRateLimits, type RateLimitsView, setProjectQuota } from './client.js';

/** `rate-limit show|set|reset`: each project's request budget, as Temporal holds it. */
export function addRateLimitCommands(program: Command): void {
  const rateLimit = program
    .command('rate-limit')
    .description("see and change each project's request budget (held by the task queue for all workers)");

  withOutputFlags(
    rateLimit
      .command('show')
      .description("the default quota, and each project's rate, share and last 429")
      .option('--project <id>', 'only this project'),
  ).action(async (flags: OutputFlags & { project?: string }, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    process.exitCode = await withClient(globals, async (client) => {
      const view = await describeRateLimits(client, {
        taskQueue: globals.taskQueue,
        ...(flags.project ? { projectId: flags.project } : {}),
      });
      console.log(wantsJson(flags) ? JSON.stringify(view, null, 2) : rateLimitTable(view));
      return ExitCode.Ok;
    });
  });

  rateLimit
    .command('set')
    .description('give a project a quota of its own, in requests per second')
    .requiredOption('--project <id>', 'CloudDC project ID')
    .requiredOption('--quota <perSecond>', 'requests per second the gateway allows this project')
    .action(async (flags: { project: string; quota: string }, command: Command) => {
      process.exitCode = await changeQuota(command, flags.project, Number(flags.quota));
    });

  rateLimit
    .command('reset')
    .description('return a project to the default quota (CLOUDDC_RATE_LIMIT)')
    .requiredOption('--project <id>', 'CloudDC project ID')
    .action(async (flags: { project: string }, command: Command) => {
      process.exitCode = await changeQuota(command, flags.project, null);
    });
}

async function changeQuota(command: Command, projectId: string, quota: number | null): Promise<number> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return withClient(globals, async (client) => {
    const status = await setProjectQuota(client, { projectId, quota, taskQueue: globals.taskQueue });
    console.error(
      `Project ${projectId}: quota ${status.quota === null ? `the default (${status.defaultQuota ?? 'none'}/s)` : `${status.quota}/s`}, now ${status.rate ?? '?'}/s`,
    );
    return ExitCode.Ok;
  });
}

function rateLimitTable(view: RateLimitsView): string {
  const lines = [
    `Task queue ${view.taskQueue}: default quota ${view.defaultQuota === null ? 'none (not paced by Temporal)' : `${view.defaultQuota}/s per project`}`,
  ];
  if (view.projects.length === 0) return [...lines, 'Every project runs at the default quota.'].join('\n');
  const rows = [
    ['PROJECT', 'QUOTA', 'SHARE', 'RATE', '429s', 'LAST 429', 'DISPATCHED', 'LATE ROOM'],
    ...view.projects.map((p) => [
      p.projectId,
      p.quota === null ? 'default' : `${p.quota}/s`,
      `${Math.round(p.share * 100)}%`,
      p.rate === null ? '?' : `${Math.round(p.rate * 100) / 100}/s`,
      String(p.throttles),
      p.lastThrottle?.refusedAtIso ?? '-',
      p.dispatchRate === undefined || p.dispatchRate === null
        ? '?'
        : `${Math.round(p.dispatchRate * 100) / 100}/s`,
      p.arrivalRoomMs === undefined ? '-' : `${Math.round(p.arrivalRoomMs)} ms`,
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return [
    ...lines,
    ...rows.map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}
