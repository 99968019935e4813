/**
 * `npm run test:production`: the tracker on a production-like Temporal cluster without Docker
 * (see docs/production-run.md). The real Temporal server (built from the Go module proxy into
 * .tools/ once) on PostgreSQL (Debian's, a throw-away cluster on loopback), set up as the compose
 * file sets up its cluster: the SQL tool's schemas, `temporal operator namespace create`, our
 * deploy/dynamicconfig.yaml, `node dist/worker/setup-namespace.js`; then two `node dist/worker.js`
 * processes against the CloudDC simulator, and three checks:
 *
 *   (a) collections complete, each with its archive, checksums intact;
 *   (b) visibility queries by our search attributes find the trackers;
 *   (c) one worker killed with SIGKILL and the Temporal server restarted mid-tracking: every
 *       collection still completes, and no export is requested twice.
 *
 * Prints a table of figures and exits non-zero on any failure. Cleans up every process and
 * directory it made, also on Ctrl-C.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { encodeTimeoutType } from '@temporalio/common';
import { startCollection } from '../src/client/collection.js';
import { DEFAULT_TASK_QUEUE } from '../src/contract/index.js';
import { startPostgres } from '../src/dev/postgres.js';
import { findTemporalCli } from '../src/dev/temporal-cli.js';
import {
  findTemporalServer,
  setUpTemporalSchemas,
  startTemporalServer,
  TEMPORAL_SERVER_VERSION,
} from '../src/dev/temporal-server.js';
import { waitFor } from '../src/dev/wait-for.js';
import { CloudDCSimulator } from '../src/simulator/server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const NAMESPACE = 'default';
const REGION = 'cn-east-3';
const TOKEN = `production-run-${process.pid}`;
/** Requests per second to each project: the suite's polls fit, and the server enforces it. */
const RATE_LIMIT = 20;
const POLICY = { minInterval: '200ms', maxInterval: '1s' } as const;

/** Far beyond a lost activity task's first schedule-to-start timeout (10 s at this policy). */
const RESULTS_TIMEOUT_MS = 3 * 60_000;

const SCHEDULE_TO_START = encodeTimeoutType('SCHEDULE_TO_START');

const figures: Array<[string, string]> = [];
const cleanups: Array<() => Promise<unknown>> = [];
const startedAt = Date.now();
/** Logs and archives; removed after a clean run, kept after a failure. */
let workDir: string | undefined;
const say = (line: string) => console.log(`[production-run] ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(label: string, action: () => Promise<T>, note?: (value: T) => string): Promise<T> {
  const started = Date.now();
  const value = await action();
  const ms = Date.now() - started;
  figures.push([label, `${seconds(ms)}${note ? ` (${note(value)})` : ''}`]);
  return value;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Check failed: ${message}`);
}

/**
 * Every promise's value, or a failure after `timeoutMs` that `explain` words from the indices of
 * those still unsettled, so a step that hangs fails CI with a reason instead of running out its time.
 */
async function within<T>(
  timeoutMs: number,
  promises: Promise<T>[],
  explain: (open: number[]) => Promise<string>,
): Promise<T[]> {
  const settled = new Set<number>();
  for (const [i, p] of promises.entries()) {
    p.then(
      () => settled.add(i),
      () => settled.add(i),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const open = promises.map((_, i) => i).filter((i) => !settled.has(i));
      reject(new Error(await explain(open).catch((err) => `${open.length} still open (${err})`)));
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(promises), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Newest modification time under a directory, in ms. */
async function newest(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

/** dist/ is stale when the bundle is missing or older than any source or the lock file. */
async function distIsCurrent(): Promise<boolean> {
  const bundle = await stat(join(root, 'dist', 'workflow-bundle.js')).catch(() => undefined);
  if (!bundle) return false;
  const sources = Math.max(
    await newest(join(root, 'src')),
    (await stat(join(root, 'package-lock.json'))).mtimeMs,
    (await stat(join(root, 'tsconfig.build.json'))).mtimeMs,
  );
  return bundle.mtimeMs >= sources;
}

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  output: () => string;
}

function startWorker(name: string, env: Record<string, string>, logDir: string): WorkerProcess {
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

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  workDir = await mkdtemp(join(tmpdir(), 'clouddc-production-run-'));
  const logDir = join(workDir, 'logs');
  const archiveDir = join(workDir, 'archives');
  await mkdir(logDir);
  await mkdir(archiveDir);
  say(`logs in ${logDir} (kept on failure)`);

  // 1. The build and the binaries.
  if (await distIsCurrent()) {
    figures.push(['npm run build', 'skipped (dist/ up to date)']);
  } else {
    say('building dist/ (npm run build) ...');
    await timed(
      'npm run build',
      () => run('npm', ['run', 'build'], { cwd: root, timeout: 600_000 }),
      () => 'dist/ missing or stale',
    );
  }
  const binaries = await timed(
    'Temporal server + SQL tool',
    () => findTemporalServer(say),
    (b) =>
      b.source === 'installed'
        ? `built ${TEMPORAL_SERVER_VERSION} with go install into .tools/`
        : `${TEMPORAL_SERVER_VERSION} found (${b.source === 'project' ? '.tools/' : b.source})`,
  );
  const cli = await findTemporalCli(say);

  // 2. The cluster, as the compose file builds it.
  const clusterStarted = Date.now();
  const pg = await timed(
    'PostgreSQL start (initdb + pg_ctl)',
    () => startPostgres(say),
    (p) => `PostgreSQL ${p.major}`,
  );
  cleanups.push(() => pg.stop());
  await timed('Schemas (temporal-sql-tool)', () => setUpTemporalSchemas(binaries.sqlTool, pg));
  const server = await timed('Temporal server start', () =>
    startTemporalServer({
      binary: binaries.server,
      pg,
      dynamicConfigFile: join(root, 'deploy', 'dynamicconfig.yaml'),
      logFile: join(logDir, 'temporal-server.log'),
      log: say,
    }),
  );
  cleanups.push(() => server.stop());
  // The command the compose file's temporal-namespace job runs (there with the admin-tools image's CLI).
  if (!cli)
    throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH, or let the tests install it into .tools/');
  await timed('Namespace create (temporal operator namespace create)', () =>
    run(cli.path, [
      'operator',
      'namespace',
      'create',
      '--namespace',
      NAMESPACE,
      '--retention',
      '72h',
      '--address',
      server.address,
    ]),
  );
  const setup = await timed('setup-namespace (search attributes, budget, Nexus)', () =>
    run(process.execPath, ['dist/worker/setup-namespace.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: NAMESPACE,
        CLOUDDC_RATE_LIMIT: String(RATE_LIMIT),
      },
      timeout: 300_000,
    }),
  );
  say(setup.stdout.trim().replaceAll('\n', '\n[production-run]   '));
  check(
    /Search attributes of namespace default: (added|all present)/.test(setup.stdout),
    'search attributes set up',
  );
  check(
    setup.stdout.includes(`Task queue ${DEFAULT_TASK_QUEUE}: at most ${RATE_LIMIT} requests/s per project`),
    'the server holds the per-project budget (fairness keys) on the task queue',
  );

  const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
  cleanups.push(() => sim.close());
  const workerEnv = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    CLOUDDC_REGION: REGION,
    CLOUDDC_ENDPOINT: sim.url,
    CLOUDDC_AUTH_TOKEN: TOKEN,
    CLOUDDC_RATE_LIMIT: String(RATE_LIMIT),
    CLOUDDC_ARCHIVE_DIR: archiveDir,
    LOG_FORMAT: 'json',
  };
  const workers = await timed('Two workers polling (node dist/worker.js)', async () => {
    const started = [startWorker('worker-1', workerEnv, logDir), startWorker('worker-2', workerEnv, logDir)];
    for (const w of started) cleanups.push(() => stopChild(w.child));
    await Promise.all(
      started.map((w) =>
        waitFor(
          () => {
            if (w.child.exitCode !== null) throw new Error(`${w.name} exited: ${w.output().slice(-2_000)}`);
            return w.output().includes('Worker polling') ? true : undefined;
          },
          { what: `${w.name} to poll`, timeoutMs: 60_000, intervalMs: 200 },
        ),
      ),
    );
    return started;
  });
  figures.push(['Cluster up, from nothing to two polling workers', seconds(Date.now() - clusterStarted)]);

  const client = new Client({
    connection: await Connection.connect({ address: server.address }),
    namespace: NAMESPACE,
  });
  cleanups.push(() => client.connection.close());
  const suiteStarted = Date.now();

  /** Starts collections and checks each result against the simulator: one export, its archive intact. */
  const collect = async (projectId: string, serverIds: string[], durationMs: number) => {
    for (const serverId of serverIds)
      sim.addServer(projectId, serverId, { exportScenario: { durationMs, archiveBytes: 256 * 1024 } });
    const handles = await Promise.all(
      serverIds.map((serverId) => startCollection(client, { projectId, serverId, policy: POLICY })),
    );
    return {
      handles,
      results: async () => {
        const results = await within(
          RESULTS_TIMEOUT_MS,
          handles.map((h) => h.result()),
          async (open) => {
            const waits = await Promise.all(
              open.map(async (i) => {
                const { raw } = await (handles[i] as (typeof handles)[0]).describe();
                const pending = [
                  ...(raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} ${a.state}`),
                  ...(raw.pendingChildren ?? []).map((c) => `child ${c.workflowId}`),
                ];
                return `${serverIds[i]}: ${pending.join(', ') || 'nothing pending'}`;
              }),
            );
            return `collections of ${projectId} still open after ${seconds(RESULTS_TIMEOUT_MS)}: ${waits.join('; ')}`;
          },
        );
        for (const [i, result] of results.entries()) {
          const serverId = serverIds[i] as string;
          const exports = sim.exportsOf(projectId, serverId);
          check(
            exports.length === 1,
            `${projectId}/${serverId}: one export requested, not ${exports.length}`,
          );
          const [record] = exports as [NonNullable<(typeof exports)[0]>];
          check(result.outcome === 'completed', `${serverId}: outcome ${result.outcome}`);
          check(result.exportId === record.exportId, `${serverId}: the export requested is the one tracked`);
          const expected = await sim.archiveOf(record);
          const onDisk = await readFile(result.archive.path ?? '');
          check(
            createHash('sha256').update(onDisk).digest('hex') === expected.sha256,
            `${serverId}: archive checksum`,
          );
        }
        return results;
      },
    };
  };

  // (a) Collections complete.
  const quickIds = ['srv-a1', 'srv-a2', 'srv-a3', 'srv-a4', 'srv-a5', 'srv-a6'];
  const quick = await timed(`(a) ${quickIds.length} collections complete`, async () => {
    const batch = await collect('proj-a', quickIds, 1_500);
    return batch.results();
  });
  say(`(a) ${quick.length} collections completed, ${quick.length} archives verified`);

  // (b) Visibility by our search attributes.
  const visibility = await timed('(b) visibility queries by search attributes', async () => {
    const count = async (query: string) => (await client.workflow.count(query)).count;
    const completed = `CloudDCProjectId = 'proj-a' AND LogExportStatus = 'completed'`;
    await waitFor(async () => ((await count(completed)) === quickIds.length ? true : undefined), {
      what: 'visibility to list every completed tracker',
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const one: string[] = [];
    for await (const info of client.workflow.list({ query: `CloudDCServerId = 'srv-a3'` }))
      one.push(info.workflowId);
    const exportId = quick[2]?.exportId;
    const byExport = await count(`CloudDCExportId = '${exportId}' AND CloudDCProjectId = 'proj-a'`);
    const running = await count(`CloudDCProjectId = 'proj-a' AND LogExportStatus != 'completed'`);
    check(
      one.length === 1,
      `CloudDCServerId = 'srv-a3' finds one tracker, not ${one.length} (${one.join(', ')})`,
    );
    check(byExport === 1, `CloudDCExportId finds the tracker (${byExport})`);
    check(running === 0, `no tracker of proj-a is listed as unfinished (${running})`);
    return one;
  });
  say(
    `(b) visibility: ${quickIds.length} completed trackers listed; CloudDCServerId = 'srv-a3' → ${visibility[0]}`,
  );

  // (c) A worker killed with SIGKILL and the Temporal server restarted, mid-tracking.
  const slowIds = ['srv-c1', 'srv-c2', 'srv-c3', 'srv-c4', 'srv-c5', 'srv-c6'];
  let restartMs = 0;
  await timed(`(c) ${slowIds.length} collections through SIGKILL + server restart`, async () => {
    const batch = await collect('proj-c', slowIds, 12_000);
    await waitFor(
      () =>
        slowIds.every((serverId) => {
          const [record] = sim.exportsOf('proj-c', serverId);
          return record && sim.statusRequests(record).length >= 2;
        })
          ? true
          : undefined,
      { what: 'every slow export to be requested and polled twice', timeoutMs: 60_000, intervalMs: 200 },
    );
    const [victim, survivor] = workers as [WorkerProcess, WorkerProcess];
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    say(`(c) ${victim.name} killed with SIGKILL; restarting the Temporal server ...`);
    const down = Date.now();
    await server.stop();
    restartMs = await server.restart();
    say(`(c) Temporal server back after ${seconds(Date.now() - down)} (stop + start)`);
    const results = await batch.results();
    check(survivor.child.exitCode === null, `${survivor.name} survived the server restart`);
    check(
      slowIds.every((serverId) => (sim.exportsOf('proj-c', serverId)[0]?.finishesAt ?? 0) > down),
      'the exports were still running when the server went down',
    );
    // Both workers had taken part before the kill: their identities (pid@host) in the histories.
    const tasksBy = new Map<number, number>();
    // Tasks the server lost around the kill and restart, found by their schedule-to-start timeout.
    let rescheduled = 0;
    const trackers = client.workflow.list({ query: `CloudDCProjectId = 'proj-c'` });
    const ids = [...batch.handles.map((h) => h.workflowId)];
    for await (const info of trackers) ids.push(info.workflowId);
    for (const workflowId of ids) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      for (const event of history.events ?? []) {
        const identity =
          event.workflowTaskStartedEventAttributes?.identity ??
          event.activityTaskStartedEventAttributes?.identity;
        const pid = Number(/^(\d+)@/.exec(identity ?? '')?.[1]);
        if (pid) tasksBy.set(pid, (tasksBy.get(pid) ?? 0) + 1);
        if (
          event.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType ===
          SCHEDULE_TO_START
        )
          rescheduled++;
      }
    }
    const byVictim = tasksBy.get(victim.child.pid ?? -1) ?? 0;
    const bySurvivor = tasksBy.get(survivor.child.pid ?? -1) ?? 0;
    check(byVictim > 0, `${victim.name} had run tasks of these collections before it was killed`);
    say(
      `(c) ${results.length} collections (${ids.length - results.length} trackers) completed, 0 lost, 0 exports requested twice; tasks run: ${victim.name} ${byVictim} (until SIGKILL), ${survivor.name} ${bySurvivor}`,
    );
    figures.push([
      '(c) tasks run by the killed / surviving worker',
      `${byVictim} / ${bySurvivor} (of ${ids.length} workflows)`,
    ]);
    figures.push(['(c) activity tasks no worker picked up, scheduled again', String(rescheduled)]);
  });
  figures.push(['(c) Temporal server start after restart', seconds(restartMs)]);
  figures.push(['Suite (a)+(b)+(c)', seconds(Date.now() - suiteStarted)]);

  // Nothing lost overall: every workflow of the namespace is closed and completed.
  const open = (await client.workflow.count(`ExecutionStatus = 'Running'`)).count;
  check(open === 0, `no workflow left running (${open})`);
  const exportsRequested = [...quickIds.map((s) => ['proj-a', s]), ...slowIds.map((s) => ['proj-c', s])].map(
    ([p, s]) => sim.exportsOf(p as string, s as string).length,
  );
  figures.push([
    'Exports requested / collections',
    `${exportsRequested.reduce((a, b) => a + b, 0)} / ${exportsRequested.length}`,
  ]);
}

function printFigures(ok: boolean): void {
  figures.push(['Total', seconds(Date.now() - startedAt)]);
  const width = Math.max(...figures.map(([label]) => label.length));
  console.log(
    `\nProduction-like run (Temporal ${TEMPORAL_SERVER_VERSION} on PostgreSQL, no Docker): ${ok ? 'PASSED' : 'FAILED'}`,
  );
  for (const [label, value] of figures) console.log(`  ${label.padEnd(width)}  ${value}`);
}

/** Once, however many paths (the end of the run, a failure, Ctrl-C) ask for it; latest first. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of [...cleanups].reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

let finishing = false;
let interrupted = false;
// `on`, not `once`: Ctrl-C reaches every process of the group, and npm and tsx pass it on again,
// so a second signal must not find the default handler (which would exit mid-cleanup).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (finishing) return;
    finishing = true;
    interrupted = true;
    say(`${signal}: cleaning up ...`);
    void cleanUp().finally(() => {
      if (workDir) say(`logs and archives kept in ${workDir}`);
      process.exit(130);
    });
  });
}

let failure: unknown;
try {
  await main();
} catch (err) {
  failure = err;
}
// Interrupted: what failed after the signal is its consequence; the handler ends the run.
if (interrupted) await new Promise(() => {});
finishing = true;
printFigures(!failure);
if (failure) {
  console.error(`\n${(failure as Error).stack ?? failure}`);
  await cleanUp();
  if (workDir) say(`logs and archives kept in ${workDir}`);
  process.exit(1);
}
await cleanUp();
// A clean run leaves nothing behind; its logs only matter when something failed.
if (workDir) await rm(workDir, { recursive: true, force: true });
process.exit(0);
