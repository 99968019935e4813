import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { findTemporalCli } from '../../src/dev/temporal-cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `clouddc-logs` as a user would, in a process of its own, with `env` added to this one's. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // The source bundled by the test run, not `bin/` (which prefers a build in `dist/` that may
      // be older than the source).
      [inject('cliPath'), ...args],
      { timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `temporal workflow start` with raw JSON input, as an operator would type it. */
export async function startWithTemporalCli(options: {
  address: string;
  type: string;
  taskQueue: string;
  workflowId: string;
  input: unknown;
}): Promise<void> {
  const cli = await findTemporalCli();
  if (!cli) throw new Error('no Temporal CLI');
  await promisify(execFile)(cli.path, [
    'workflow',
    'start',
    '--address',
    options.address,
    '--type',
    options.type,
    '--task-queue',
    options.taskQueue,
    '--workflow-id',
    options.workflowId,
    '--input',
    JSON.stringify(options.input),
  ]);
}
