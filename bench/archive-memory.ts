/**
 * `npm run bench:archive -- --gib 1`: the worker's memory while it collects one large archive,
 * into the object store (a real MinIO) and into the archive directory. Each run starts a dev server,
 * the simulator (which makes the archive as it sends it) and `src/worker.ts` as a process of its own,
 * samples that process's resident memory every 100 ms, and checks the stored archive's sha256
 * against the simulator's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Command, Option } from 'commander';
import { startCollection } from '../src/client/collection.js';
import { ALL_SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { startDevServer } from '../src/dev/dev-server.js';
import { findMinio, type RunningMinio, startMinio } from '../src/dev/minio.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import { positive } from './cli-options.js';
import { renderRows } from './table.js';
import { residentMb, stopWorkers, untilPolling } from './worker-process.js';

type Sink = 'object-store' | 'directory';
const TOKEN = 'bench-token';
const MiB = 1024 * 1024;

interface Figures {
  sink: Sink;
  bytes: number;
  idleMb: number;
  peakMb: number;
  seconds: number;
  verified: boolean;
}

async function main(): Promise<void> {
  const options = new Command('bench:archive')
    .option('--gib <n>', 'archive payload in GiB', positive('--gib'), 1)
    .addOption(
      new Option('--sink <sink...>', 'sinks to measure')
        .choices(['object-store', 'directory'])
        .default(['object-store', 'directory']),
    )
    .parse()
    .opts<{ gib: number; sink: Sink[] }>();
  const env = await startDevServer({ searchAttributes: ALL_SEARCH_ATTRIBUTES });
  const sim = await CloudDCSimulator.start({
    tokens: [TOKEN],
    defaultScenario: { durationMs: 1_000, archiveBytes: Math.round(options.gib * 1024 * MiB) },
  });
  const minio = await startMinio((await findMinio((line) => console.error(line))).path);
  const rows: Figures[] = [];
  try {
    for (const sink of options.sink) rows.push(await measure(sink, env.address, sim, minio, env.client));
  } finally {
    await minio.stop();
    await sim.close();
    await env.teardown();
  }
  console.log(
    renderRows([
      ['sink', 'archive', 'idle RSS', 'peak RSS', 'peak - idle', 'time', 'sha256 checked'],
      ...rows.map((r) => [
        r.sink,
        `${(r.bytes / MiB).toFixed(0)} MiB`,
        `${r.idleMb.toFixed(0)} MB`,
        `${r.peakMb.toFixed(0)} MB`,
        `${(r.peakMb - r.idleMb).toFixed(0)} MB`,
        `${r.seconds.toFixed(0)} s`,
        r.verified ? 'yes' : 'NO',
      ]),
    ]),
  );
}

async function measure(
  sink: Sink,
  address: string,
  sim: CloudDCSimulator,
  minio: RunningMinio,
  client: Awaited<ReturnType<typeof startDevServer>>['client'],
): Promise<Figures> {
  const taskQueue = `bench-archive-${sink}`;
  const project = `proj-${sink}`;
  sim.addServer(project, 'srv-1');
  const directory = await mkdtemp(join(tmpdir(), 'bench-archives-'));
  const bucket = `bench-${Date.now()}`;
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: minio.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
  });
  if (sink === 'object-store') await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../src/worker.ts', import.meta.url).pathname],
    {
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        CLOUDDC_REGION: 'cn-east-3',
        CLOUDDC_ENDPOINT: sim.url,
        CLOUDDC_AUTH_TOKEN: TOKEN,
        ...(sink === 'object-store'
          ? {
              CLOUDDC_ARCHIVE_URL: `s3://${bucket}/bench`,
              CLOUDDC_ARCHIVE_ENDPOINT: minio.endpoint,
              CLOUDDC_ARCHIVE_ACCESS_KEY: minio.accessKey,
              CLOUDDC_ARCHIVE_SECRET_KEY: minio.secretKey,
            }
          : { CLOUDDC_ARCHIVE_DIR: directory }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    await untilPolling(worker);
    // Idle: started, bundled and polling, after a few seconds to settle.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idle = await sampleFor(worker, 2_000);
    const started = Date.now();
    const handle = await startCollection(client, { projectId: project, serverId: 'srv-1' }, { taskQueue });
    let peak = idle;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        peak = Math.max(peak, await residentMb(worker));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const result = await handle.result().finally(() => {
      done = true;
    });
    await sampling;
    const seconds = (Date.now() - started) / 1000;
    const record = sim.getExport(project, 'srv-1', result.exportId);
    const expected = record ? await sim.archiveDigest(record) : undefined;
    let storedSha: string;
    let label: string | undefined;
    if (sink === 'object-store') {
      const key = result.archive.url.replace(`s3://${bucket}/`, '');
      label = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata?.sha256;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      storedSha = await sha256Of(object.Body as Readable);
    } else {
      label = result.archive.sha256;
      storedSha = await sha256Of(createReadStream(result.archive.path as string));
    }
    return {
      sink,
      bytes: result.archive.bytes,
      idleMb: idle,
      peakMb: peak,
      seconds,
      verified:
        expected?.sha256 === result.archive.sha256 &&
        storedSha === expected.sha256 &&
        label === expected.sha256 &&
        expected.bytes === result.archive.bytes,
    };
  } finally {
    await stopWorkers(worker);
    await rm(directory, { recursive: true, force: true });
  }
}

/** The highest resident memory over `ms`, sampled every 100 ms. */
async function sampleFor(worker: ChildProcess, ms: number): Promise<number> {
  let highest = 0;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    highest = Math.max(highest, await residentMb(worker));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return highest;
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

await main();
