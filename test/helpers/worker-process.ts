import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type Harness, TEST_REGION, TEST_TOKEN, waitFor } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface RunningProcess {
  child: ChildProcess;
  output: () => string;
}

/**
 * The worker as a separate process configured only through its environment: from the source
 * through tsx (`npm run worker:dev`), or `args` to node in `cwd` (a production install).
 */
export function startWorkerProcess(
  env: Record<string, string>,
  { args, cwd = root }: { args?: string[]; cwd?: string } = {},
): RunningProcess {
  // From the source, the bundle the test run made once, instead of a bundle per worker.
  const fromSource: Record<string, string> = args
    ? {}
    : { TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath') };
  return startProcess(process.execPath, args ?? ['--import', 'tsx', 'src/worker.ts'], cwd, {
    ...fromSource,
    ...env,
  });
}

/** A worker's environment on a task queue of its own, against the harness's server and simulator with the static test token. */
export function simulatedWorkerEnv(
  h: Pick<Harness, 'env' | 'sim'>,
  taskQueue: string,
): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: h.env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CLOUDDC_REGION: TEST_REGION,
    CLOUDDC_ENDPOINT: h.sim.url,
    CLOUDDC_AUTH_TOKEN: TEST_TOKEN,
  };
}

/** A process with only PATH, HOME and `env` in its environment, its output collected. */
export function startProcess(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

/** Waits until the worker prints its start-up line, which it does once it polls its task queue. */
export function untilPolling(output: () => string, timeoutMs = 60_000): Promise<true> {
  return waitFor(() => (output().includes('Worker polling') ? true : undefined), {
    timeoutMs,
    what: 'the worker to start polling',
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}
