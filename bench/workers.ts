/** The benchmark's worker processes and how it reads a tracker's end; shared by its runs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import { FailureType } from '../src/contract/index.js';
import type { Strategy } from './strategies.js';

export const TOKEN = 'bench-token';

/** Each strategy's worker polls a task queue of its own. */
export function benchTaskQueue(strategy: Strategy): string {
  return `bench-${strategy}`;
}

export interface SpawnedWorker {
  process: ChildProcess;
  ready: Promise<void>;
  usage: Promise<{ cpuSeconds: number; peakRssMb: number }>;
}

export function spawnWorker(
  strategy: Strategy,
  address: string,
  endpoint: string,
  rateLimit: number,
): SpawnedWorker {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./worker.ts', import.meta.url).pathname],
    {
      env: {
        ...process.env,
        BENCH_STRATEGY: strategy,
        BENCH_ADDRESS: address,
        BENCH_TASK_QUEUE: benchTaskQueue(strategy),
        BENCH_ENDPOINT: endpoint,
        BENCH_TOKEN: TOKEN,
        BENCH_RATE_LIMIT: String(rateLimit),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  let onReady: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) =>
      reject(new Error(`${strategy} worker exited with ${code} before it was ready`)),
    );
  });
  const usage = new Promise<{ cpuSeconds: number; peakRssMb: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') onReady();
      else if (line.startsWith('{')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) =>
      reject(new Error(`${strategy} worker exited with ${code} without its usage`)),
    );
  });
  return { process: child, ready, usage };
}

export async function outcomeOf(
  client: Client,
  strategy: Strategy,
  workflowId: string,
): Promise<'completed' | 'failed' | 'error'> {
  try {
    const result = (await client.workflow.getHandle(workflowId).result()) as {
      outcome?: string;
      phase?: string;
    };
    const phase = strategy === 'ours' ? result.outcome : result.phase;
    if (phase === 'completed' || phase === 'failed') return phase;
    process.stderr.write(`${strategy} ${workflowId}: unexpected result ${JSON.stringify(result)}\n`);
    return 'error';
  } catch (err) {
    const cause = (err as { cause?: { type?: string; message?: string } }).cause;
    if (cause?.type === FailureType.LogExportFailed) return 'failed';
    process.stderr.write(
      `${strategy} ${workflowId}: ${cause?.type ?? ''} ${cause?.message ?? String(err)}\n`,
    );
    return 'error';
  }
}
