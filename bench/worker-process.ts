import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../src/worker/tracing.js';
import { workflowsPath } from '../src/worker/tracker-worker.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The workflows bundled once into `dir`, for every worker process of a bench to load. */
export async function bundleProductWorkflows(dir: string): Promise<string> {
  const none = () => {};
  const logger = { log: none, trace: none, debug: none, info: none, warn: none, error: none };
  const path = join(dir, 'workflow-bundle.js');
  await writeFile(
    path,
    (await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger })).code,
  );
  return path;
}

/**
 * The product's worker (`src/worker.ts` through tsx) as a process of its own, configured only
 * through `env` as an operator configures it; its output is piped for the bench to read.
 */
export function spawnProductWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Workers the bench itself is stopping: their exit is the end of a run, not a loss. */
const stopping = new WeakSet<ChildProcess>();

/**
 * Stops workers as an operator would (SIGTERM: they shut down cleanly) and waits until they have
 * exited; their exit is then not reported as lost.
 */
export async function stopWorkers(...workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map((worker) => {
      stopping.add(worker);
      if (worker.exitCode !== null || worker.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      return exited;
    }),
  );
}

/**
 * Resolves when a worker process prints its start-up line (it then polls), rejects if it exits
 * first. Its output is read to the end, so a long run's pipe never fills, but only its tail is
 * kept: workers print for hours. A worker that exits later unbidden says so at once, with that
 * tail.
 */
export function untilPolling(worker: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    let polling = false;
    const seen = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4_000);
      if (!polling && tail.includes('Worker polling')) {
        polling = true;
        resolve();
      }
    };
    worker.stdout?.on('data', seen);
    worker.stderr?.on('data', seen);
    worker.once('exit', (code, signal) => {
      if (!polling) reject(new Error(`the worker exited with ${code}: ${tail.slice(-2_000)}`));
      else if (!stopping.has(worker))
        console.error(`a worker exited mid-run (${code ?? signal}); its last output:\n${tail.slice(-2_000)}`);
    });
  });
}

/**
 * Keeps `workers` running as a supervisor (systemd, Kubernetes) keeps a deployment's: one that
 * exits before the bench stops it (`stopWorkers`) is replaced in its place in `workers` by a new
 * one from `spawnWorker`, since Temporal loses nothing a worker held. Past `maxRestarts`
 * replacements `lost` rejects: a run whose workers keep dying would otherwise wait for ever.
 */
export function superviseWorkers(
  workers: ChildProcess[],
  spawnWorker: () => ChildProcess,
  maxRestarts: number,
): { lost: Promise<never>; restarts: () => number } {
  let restarts = 0;
  const lost = new Promise<never>((_, reject) => {
    const watch = (worker: ChildProcess, i: number) =>
      worker.once('exit', (code, signal) => {
        if (stopping.has(worker)) return;
        restarts += 1;
        if (restarts > maxRestarts) {
          reject(
            new Error(`worker ${i + 1} exited mid-run (${code ?? signal}), after ${maxRestarts} restarts`),
          );
          return;
        }
        console.error(
          `worker ${i + 1} exited mid-run (${code ?? signal}): restarting it (${restarts} of ${maxRestarts})`,
        );
        const next = spawnWorker();
        workers[i] = next;
        watch(next, i);
        untilPolling(next).catch(reject);
      });
    for (const [i, worker] of workers.entries()) watch(worker, i);
  });
  return { lost, restarts: () => restarts };
}

/** Resident memory of the process in MB, from /proc (Linux, where the benchmarks run). */
export async function residentMb(worker: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${worker.pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/**
 * The simulator stands for Huawei's gateway, which has CPU of its own: on a machine the dev server
 * and the workers keep busy, it must not stamp requests late and then together. Raised only once
 * the dev server and the workers have started, which would otherwise inherit it.
 */
export function gatewayFirst(niceness: number): void {
  try {
    setPriority(niceness);
  } catch {
    console.log(
      '(could not raise the priority of the simulator: its busiest second may count arrivals late)',
    );
  }
}
