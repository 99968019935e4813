/**
 * `npm run nexus:callers [-- go python java]`: builds and runs the Go, Python and Java callers in
 * examples/nexus-callers/ against a real local stack (a dev server with a `callers` namespace, the
 * CloudDC simulator, our worker and the `clouddc-logs` endpoint), and checks what each printed
 * against the simulator. Each program runs twice:
 * - `ok`: collects a server whose export completes (the archive's sha256 must be the simulator's)
 *   and tracks an export that fails (`LogExportFailed`, which the caller tolerates);
 * - `rethrow`: collects a server whose export fails (tolerated) and tracks an export that does not
 *   exist (`LogExportNotFound`, which the caller rethrows: its workflow fails with that type).
 * Builds use the usual caches (Go's build cache, a venv under .tools/, ~/.m2), so a second run
 * builds in seconds. A missing tool fails its row. Exits non-zero on any mismatch.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ALL_SEARCH_ATTRIBUTES, DEFAULT_NEXUS_ENDPOINT, FailureType } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { createSimulatedWorker } from '../src/dev/simulated-worker.js';
import { ensureNexusEndpoint } from '../src/nexus/endpoint.js';
import { CloudDCSimulator } from '../src/simulator/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples', 'nexus-callers');
const CACHE = join(ROOT, '.tools', 'nexus-callers');
const CALLERS = 'callers';
const TOKEN = 'nexus-callers-token';
const PROJECT = 'proj-callers';
const TASK_QUEUE = `nexus-callers-check-${process.pid}`;
const BUILD_TIMEOUT_MS = 10 * 60_000;
const RUN_TIMEOUT_MS = 120_000;

type Language = 'go' | 'python' | 'java';
const LANGUAGES: Language[] = ['go', 'python', 'java'];

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (or its time-out), keeping what it printed. */
function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
) {
  return new Promise<Output>((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      stderr += String(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

class CheckFailed extends Error {}

/** Runs a build step; a failure carries the end of its output. */
async function step(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const out = await run(cmd, args, { cwd, timeoutMs: BUILD_TIMEOUT_MS, ...(env ? { env } : {}) });
  if (out.code !== 0) {
    throw new CheckFailed(`${cmd} ${args.join(' ')} failed:\n${(out.stderr || out.stdout).slice(-3000)}`);
  }
}

/** The first tool of the list that is missing, as the reason its language cannot run. */
async function missingTool(tools: [string, string[]][]): Promise<string | undefined> {
  for (const [cmd, args] of tools) {
    const out = await run(cmd, args, { cwd: ROOT, timeoutMs: 60_000 });
    if (out.code !== 0) return `${cmd} not found or not working (${out.stderr.trim().split('\n')[0]})`;
  }
  return undefined;
}

interface Caller {
  tools: [string, string[]][];
  /** Builds the program (from the caches when nothing changed); answers the command that runs it. */
  build(): Promise<[string, string[]]>;
}

const CALLERS_BY_LANGUAGE: Record<Language, Caller> = {
  go: {
    tools: [['go', ['version']]],
    async build() {
      const binary = join(CACHE, 'go', 'caller');
      await step('go', ['build', '-o', binary, '.'], join(EXAMPLES, 'go'));
      return [binary, []];
    },
  },
  python: {
    tools: [['python3', ['--version']]],
    async build() {
      const venv = join(CACHE, 'python-venv');
      const python = join(venv, 'bin', 'python');
      const requirements = await readFile(join(EXAMPLES, 'python', 'requirements.txt'), 'utf8');
      const stamp = join(venv, 'requirements.sha256');
      const digest = createHash('sha256').update(requirements).digest('hex');
      const installed = await readFile(stamp, 'utf8').catch(() => '');
      if (installed !== digest) {
        if (!(await exists(python))) await step('python3', ['-m', 'venv', venv], ROOT);
        await step(
          python,
          ['-m', 'pip', 'install', '-q', '-r', 'requirements.txt'],
          join(EXAMPLES, 'python'),
        );
        await writeFile(stamp, digest);
      }
      return [python, ['main.py']];
    },
  },
  java: {
    tools: [
      ['java', ['-version']],
      ['mvn', ['-v']],
    ],
    async build() {
      const dir = join(EXAMPLES, 'java');
      const classpath = join(dir, 'target', 'classpath.txt');
      await step(
        'mvn',
        ['-B', '-q', 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${classpath}`],
        dir,
      );
      const cp = `${join(dir, 'target', 'classes')}:${(await readFile(classpath, 'utf8')).trim()}`;
      return ['java', ['-cp', cp, 'com.example.clouddc.Main']];
    },
  },
};

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

interface Row {
  language: Language;
  ok: boolean;
  result: string;
  buildMs?: number;
  runMs: number[];
  detail?: string;
}

/** The JSON line a program printed last. */
function jsonLine(out: Output): Record<string, unknown> {
  const line = out.stdout.trim().split('\n').filter(Boolean).at(-1);
  try {
    return JSON.parse(line ?? '');
  } catch {
    throw new CheckFailed(
      `printed no JSON line (exit ${out.code}):\n${out.stdout.slice(-1500)}\n${out.stderr.slice(-3000)}`,
    );
  }
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailed(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

async function main(): Promise<number> {
  const chosen = process.argv.slice(2);
  const unknown = chosen.filter((l) => !LANGUAGES.includes(l as Language));
  if (unknown.length > 0) {
    console.error(`Unknown language(s): ${unknown.join(', ')}; choose from ${LANGUAGES.join(', ')}`);
    return 2;
  }
  const languages = chosen.length > 0 ? (chosen as Language[]) : LANGUAGES;
  const total = performance.now();

  // Our worker's warnings (every failed workflow is one) are shown only when a check fails.
  const workerLog: string[] = [];
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      workerLog.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
    }),
  });
  console.log('Starting a dev server (namespaces default and callers), the simulator and our worker...');
  const env = await startDevServer({
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    extraArgs: ['--namespace', CALLERS],
  });
  const sim = await CloudDCSimulator.start({
    tokens: [TOKEN],
    defaultScenario: { durationMs: 1_500, archiveBytes: 5_000 },
  });
  const archives = await mkdtemp(join(tmpdir(), 'nexus-callers-archives-'));
  const worker = await createSimulatedWorker({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    simulatorUrl: sim.url,
    token: TOKEN,
    archiveDir: archives,
    rateLimitPerSecond: 10_000,
    requestTimeoutMs: 5_000,
  });
  const rows: Row[] = [];
  try {
    await worker.runUntil(async () => {
      await ensureNexusEndpoint(env.connection, {
        name: DEFAULT_NEXUS_ENDPOINT,
        namespace: 'default',
        taskQueue: TASK_QUEUE,
      });
      await mkdir(CACHE, { recursive: true });
      for (const language of languages) {
        rows.push(await check(language));
      }
    });
  } finally {
    await sim.close();
    await env.teardown();
    await rm(archives, { recursive: true, force: true });
  }

  /** Builds one language's caller and runs it twice, checking each JSON line. */
  async function check(language: Language): Promise<Row> {
    const caller = CALLERS_BY_LANGUAGE[language];
    const row: Row = { language, ok: false, result: '', runMs: [] };
    console.log(`\n== ${language}`);
    const missing = await missingTool(caller.tools);
    if (missing) {
      row.result = `MISSING TOOL: ${missing}`;
      return row;
    }
    try {
      const built = performance.now();
      const [cmd, args] = await caller.build();
      row.buildMs = performance.now() - built;

      const okServer = `srv-ok-${language}`;
      const failServer = `srv-fail-${language}`;
      sim.addServer(PROJECT, okServer);
      sim.addServer(PROJECT, failServer, { exportScenario: { outcome: 'failed', durationMs: 800 } });
      const failing = sim.createExport(PROJECT, failServer, { outcome: 'failed', durationMs: 800 });
      const programEnv = {
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: CALLERS,
        TASK_QUEUE: `nexus-callers-${language}-${process.pid}`,
        NEXUS_ENDPOINT: DEFAULT_NEXUS_ENDPOINT,
        POLICY_MIN_INTERVAL: '100ms',
        POLICY_MAX_INTERVAL: '400ms',
      };
      const cwd = join(EXAMPLES, language);
      const program = async (...ids: string[]) => {
        const out = await run(cmd, [...args, PROJECT, ...ids], {
          cwd,
          env: programEnv,
          timeoutMs: RUN_TIMEOUT_MS,
        });
        row.runMs.push(out.ms);
        const line = jsonLine(out);
        console.log(`   ${JSON.stringify(line)}`);
        return { line, code: out.code };
      };

      // ok: the archive of the completed export, and the failed export tolerated.
      const ok = await program(okServer, failServer, failing.exportId);
      expectEqual('ok run: exit code', ok.code, 0);
      const collected = ok.line.collect as { exportId?: string; sha256?: string } | undefined;
      const record = sim.exportsOf(PROJECT, okServer).find((e) => e.exportId === collected?.exportId);
      if (!record)
        throw new CheckFailed(`ok run: no export ${collected?.exportId} of ${okServer} in the simulator`);
      const digest = await sim.archiveDigest(record);
      expectEqual('ok run: archive sha256', collected?.sha256, digest.sha256);
      expectEqual('ok run: track', ok.line.track, { failure: FailureType.LogExportFailed });

      // rethrow: a failed collection tolerated, an unknown export rethrown and failing the workflow.
      const rethrow = await program(failServer, failServer, 'no-such-export');
      expectEqual('rethrow run: exit code', rethrow.code, 1);
      const failed = rethrow.line.failed as { type?: string } | undefined;
      expectEqual('rethrow run: workflow failure type', failed?.type, FailureType.LogExportNotFound);

      row.ok = true;
      row.result = `ok: sha256 ${digest.sha256.slice(0, 12)}…, ${FailureType.LogExportFailed} tolerated, ${FailureType.LogExportNotFound} rethrown`;
    } catch (err) {
      if (!(err instanceof CheckFailed)) throw err;
      row.result = 'MISMATCH';
      row.detail = err.message;
    }
    return row;
  }

  console.log('');
  const mismatches = rows.filter((r) => r.detail);
  for (const row of mismatches) console.log(`${row.language}: ${row.detail}\n`);
  if (mismatches.length > 0) console.log(`Our worker's warnings:\n${workerLog.join('\n').slice(-8000)}\n`);
  const table = [
    ['language', 'result', 'build', 'run (ok + rethrow)'],
    ...rows.map((r) => [r.language, r.result, seconds(r.buildMs), r.runMs.map(seconds).join(' + ') || '-']),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((cells) => (cells[i] ?? '').length))) ?? [];
  for (const [i, cells] of table.entries()) {
    console.log(
      cells
        .map((c, j) => c.padEnd(widths[j] ?? 0))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const passed = rows.filter((r) => r.ok).length;
  console.log(
    `\nTotal ${seconds(performance.now() - total)}; ${passed} passed, ${rows.length - passed} failed`,
  );
  return passed === rows.length ? 0 : 1;
}

process.exitCode = await main();
