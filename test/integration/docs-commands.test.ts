import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

let stack: Stack | undefined;
let worker: ReturnType<typeof start> | undefined;
let archives: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  archives = await mkdtemp(join(tmpdir(), 'docs-archives-'));
  const cli = await findTemporalCli();
  env = {
    ...process.env,
    FORCE_COLOR: '0',
    // The worker the docs start uses the bundle this test run made, instead of making its own.
    TEMPORAL_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    PATH: `${cli ? `${dirname(cli.path)}:` : ''}${process.env.PATH}`,
  };
  const [temporal, ui, simulator] = [await freePort(), await freePort(), await freePort()];
  const started = start(
    `npx tsx src/dev/stack.ts --temporal-port ${temporal} --ui-port ${ui} --simulator-port ${simulator} --time-scale 0.05`,
    env,
  );
  stack = {
    ...started,
    temporal: `localhost:${temporal}`,
    simulator: `127.0.0.1:${simulator}`,
    ui: `localhost:${ui}`,
  };
  await waitForOutput(started.output, 'Ctrl-C stops the stack.', 'npm run dev:stack to be ready');
  env.TEMPORAL_ADDRESS = stack.temporal;
}, 120_000);

afterAll(async () => {
  stop(worker?.process);
  stop(stack?.process);
  await rm(archives, { recursive: true, force: true });
});

/** The docs' default addresses and archive directory, replaced by this test's. */
function localised(line: string): string {
  if (!stack) throw new Error('no stack');
  return line
    .replaceAll('localhost:7233', stack.temporal)
    .replaceAll('127.0.0.1:8089', stack.simulator)
    .replaceAll('localhost:8233', stack.ui)
    .replaceAll('CLOUDDC_ARCHIVE_DIR=archives', `CLOUDDC_ARCHIVE_DIR=${archives}`);
}

function run(line: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = start(localised(line), env);
    const timer = setTimeout(() => stop(child.process), 150_000);
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: child.output() });
    });
  });
}

describe('every command the docs show against the local stack', () => {
  it('runs as written, and exits as the docs say', async () => {
    const commands = await documentedCommands();
    expect(commands[0]?.line, 'docs/running.md starts with npm run dev:stack').toMatch(
      /^npm run dev:stack\b/,
    );
    expect(commands.some((c) => /npm run worker:dev\b/.test(c.line))).toBe(true);
    expect(commands.length).toBeGreaterThan(15);
    for (const command of commands.slice(1)) {
      const where = `${command.page}: ${command.line}`;
      if (/npm run worker:dev\b/.test(command.line)) {
        worker = start(localised(command.line), env);
        await waitForOutput(worker.output, 'Worker polling', `the worker of ${where}`);
        continue;
      }
      const { code, output } = await run(command.line);
      expect(code, `${where}\n${output}`).toBe(command.exitCode);
    }
  }, 900_000);
});
