import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run worker`, as a separate process configured only through its environment. */
export function startWorkerProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
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
