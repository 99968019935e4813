import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/dev/wait-for.js';

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** The end of what it printed, for failures and for checks that read its lines. */
  output: () => string;
}

/**
 * `node dist/worker.js`, configured only through its environment as the compose file's worker is.
 * Its output goes to `<logDir>/<name>.log`.
 */
export function startWorker(
  name: string,
  root: string,
  env: Record<string, string>,
  logDir: string,
): WorkerProcess {
  const child = spawn(process.execPath, ['dist/worker.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
    log.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.once('exit', () => log.end());
  return { name, child, output: () => output };
}

/** Until the worker says it polls; fails if it exits first. */
export function untilPolling(worker: WorkerProcess): Promise<true> {
  return waitFor(
    () => {
      if (worker.child.exitCode !== null)
        throw new Error(`${worker.name} exited: ${worker.output().slice(-2_000)}`);
      return worker.output().includes('Worker polling') ? true : undefined;
    },
    { what: `${worker.name} to poll`, timeoutMs: 60_000, intervalMs: 200 },
  );
}
