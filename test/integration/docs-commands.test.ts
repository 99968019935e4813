import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { findTemporalCli } from '../../src/dev/temporal-cli.js';
import { waitFor } from '../../src/dev/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The marker a docs page puts before a shell block whose every line runs against `npm run dev:stack`. */
const BLOCK = /<!-- runs against the local stack -->\n```sh\n([\s\S]*?)\n```/g;

interface DocCommand {
  page: string;
  line: string;
  /** From a trailing `# exits N`; 0 otherwise. */
  exitCode: number;
}

/** The marked blocks of README.md and docs/, docs/running.md first (it starts the stack and the worker). */
async function documentedCommands(): Promise<DocCommand[]> {
  const docs = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const pages = ['docs/running.md', 'README.md', ...docs.filter((p) => p !== 'docs/running.md').sort()];
  const commands: DocCommand[] = [];
  for (const page of pages) {
    const text = await readFile(join(ROOT, page), 'utf8');
    for (const [, block] of text.matchAll(BLOCK)) {
      for (const line of (block ?? '').replace(/\\\n\s*/g, '').split('\n')) {
        if (!line.trim() || line.trim().startsWith('#')) continue;
        commands.push({ page, line, exitCode: Number(/#\s*exits (\d)/.exec(line)?.[1] ?? 0) });
      }
    }
  }
  return commands;
}

interface Stack {
  process: ChildProcess;
  output: () => string;
  temporal: string;
  simulator: string;
  ui: string;
  archives: string;
  env: NodeJS.ProcessEnv;
  /** The worker the docs start, once its line has run. */
  worker?: ReturnType<typeof start>;
}

/** Waits for `text` in a process's output; on a timeout the error shows that output. */
async function waitForOutput(output: () => string, text: string, what: string): Promise<void> {
  await waitFor(() => (output().includes(text) ? true : undefined), {
    timeoutMs: 90_000,
    intervalMs: 250,
    what,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${output()}`);
  });
}

/** Starts a process whose output the test reads, in a process group of its own so it stops whole. */
function start(command: string, env: NodeJS.ProcessEnv): { process: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn('bash', ['-c', command], { cwd: ROOT, env, detached: true });
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  return { process: child, output: () => output };
}

function stop(child: ChildProcess | undefined): void {
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
}

const stacks: Stack[] = [];

/** `npm run dev:stack` on free ports, as `docs/running.md` starts it. */
async function startStack(): Promise<Stack> {
  const archives = await mkdtemp(join(tmpdir(), 'docs-archives-'));
  const cli = await findTemporalCli();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FORCE_COLOR: '0',
    PATH: `${cli ? `${dirname(cli.path)}:` : ''}${process.env.PATH}`,
    // The worker the docs start uses the bundle this test run made, instead of making its own.
    TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
  };
  const [temporal, ui, simulator] = [await freePort(), await freePort(), await freePort()];
  const started = start(
    `npm run dev:stack -- --temporal-port ${temporal} --ui-port ${ui} --simulator-port ${simulator} --time-scale 0.05`,
    env,
  );
  const stack: Stack = {
    ...started,
    temporal: `localhost:${temporal}`,
    simulator: `127.0.0.1:${simulator}`,
    ui: `localhost:${ui}`,
    archives,
    env: { ...env, TEMPORAL_ADDRESS: `localhost:${temporal}` },
  };
  stacks.push(stack);
  await waitForOutput(started.output, 'Ctrl-C stops the stack.', 'npm run dev:stack to be ready');
  return stack;
}

afterAll(async () => {
  for (const stack of stacks) {
    stop(stack.worker?.process);
    stop(stack.process);
    await rm(stack.archives, { recursive: true, force: true });
  }
});

/** The docs' default addresses and archive directory, replaced by the stack's. */
function localised(stack: Stack, line: string): string {
  return line
    .replaceAll('localhost:7233', stack.temporal)
    .replaceAll('127.0.0.1:8089', stack.simulator)
    .replaceAll('localhost:8233', stack.ui)
    .replaceAll('CLOUDDC_ARCHIVE_DIR=archives', `CLOUDDC_ARCHIVE_DIR=${stack.archives}`);
}

function run(stack: Stack, line: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = start(localised(stack, line), stack.env);
    const timer = setTimeout(() => stop(child.process), 150_000);
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: child.output() });
    });
  });
}

/** Runs `commands` in order against a stack of their own, with the worker `docs/running.md` starts. */
async function runAgainstOwnStack(commands: DocCommand[], workerLine: string): Promise<void> {
  const stack = await startStack();
  stack.worker = start(localised(stack, workerLine), stack.env);
  await waitForOutput(stack.worker.output, 'Worker polling', `the worker of docs/running.md: ${workerLine}`);
  for (const command of commands) {
    const { code, output } = await run(stack, command.line);
    expect(code, `${command.page}: ${command.line}\n${output}`).toBe(command.exitCode);
  }
}

/**
 * Two stacks, run side by side: the walkthrough of `docs/running.md` and the README, and every
 * other page. Each page's commands need only what a new stack has, plus what that page does.
 */
describe.concurrent('every command the docs show against the local stack', async () => {
  const commands = await documentedCommands();
  const isWorker = (c: DocCommand) => /npm run worker:dev\b/.test(c.line);
  const workerLine = commands.find(isWorker)?.line ?? '';
  const rest = commands.slice(1).filter((c) => !isWorker(c));
  const walkthrough = rest.filter((c) => c.page === 'docs/running.md' || c.page === 'README.md');
  const otherPages = rest.filter((c) => !walkthrough.includes(c));

  it('starts with npm run dev:stack and the worker, as docs/running.md says', () => {
    expect(commands[0]?.line).toMatch(/^npm run dev:stack\b/);
    expect(workerLine).toMatch(/npm run worker:dev\b/);
    expect(walkthrough.length).toBeGreaterThan(15);
    expect(otherPages.length).toBeGreaterThan(5);
  });

  it('runs the walkthrough of docs/running.md and the README as written, exiting as they say', async () => {
    await runAgainstOwnStack(walkthrough, workerLine);
  }, 600_000);

  it('runs every other page as written, exiting as it says', async () => {
    await runAgainstOwnStack(otherPages, workerLine);
  }, 600_000);
});
