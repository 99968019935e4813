import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Resolves when a worker process prints its start-up line (it then polls), rejects if it exits first. */
export function untilPolling(worker: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Worker polling')) resolve();
    };
    worker.stdout?.on('data', seen);
    worker.stderr?.on('data', seen);
    worker.once('exit', (code) =>
      reject(new Error(`the worker exited with ${code}: ${output.slice(-2_000)}`)),
    );
  });
}

/** Resident memory of the process in MB, from /proc (Linux, where the benchmarks run). */
export async function residentMb(worker: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${worker.pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
