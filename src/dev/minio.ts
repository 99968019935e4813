import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { stopChild } from './stop-child.js';
import { findToolBinary, isExecutable, type ToolSource } from './tool-binary.js';

/**
 * The MinIO server we build: the pseudo-version `github.com/minio/minio@latest` resolved to on the
 * Go module proxy (MinIO publishes no tagged Go module versions). It is a test tool only, run as a
 * separate process; its AGPL licence does not reach our code.
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const localInstall = join(projectRoot, '.tools', `minio-${MINIO_VERSION}`);
const localBinary = join(localInstall, 'minio');
const run = promisify(execFile);

/**
 * Finds a MinIO server binary: `MINIO_PATH`, then `minio` on `PATH`, then the project-local build
 * under `.tools/`, building the pinned version there with `go install` when none is found (about
 * six minutes on two cores with an empty Go module cache).
 */
export function findMinio(
  log: (line: string) => void = () => {},
): Promise<{ path: string; source: ToolSource }> {
  return findToolBinary({
    variable: 'MINIO_PATH',
    name: 'minio',
    localBinary,
    install: () => installLocally(log),
  });
}

/** Built aside and renamed into place, so a half-finished build is never taken for a binary. */
async function installLocally(log: (line: string) => void): Promise<void> {
  const staging = `${localInstall}.partial-${process.pid}`;
  log(`Building MinIO (github.com/minio/minio@${MINIO_VERSION}) into ${localInstall} with go install ...`);
  const started = Date.now();
  await mkdir(staging, { recursive: true });
  try {
    await run('go', ['install', `github.com/minio/minio@${MINIO_VERSION}`], {
      env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
      maxBuffer: 64 * 1024 * 1024,
    });
    await rename(staging, localInstall).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first; theirs is as good as ours.
      if (!(await isExecutable(localBinary))) throw err;
    });
    log(`Built MinIO in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface RunningMinio {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** The directory it stores objects in, removed by `stop`. */
  dataDir: string;
  stop(): Promise<void>;
}

/** A MinIO server of its own on a free loopback port, with fresh root credentials and storage. */
export async function startMinio(binary: string): Promise<RunningMinio> {
  const dataDir = await mkdtemp(join(tmpdir(), 'minio-'));
  const port = await freePort();
  const accessKey = `test-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const child = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--quiet'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4_000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 5_000);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilLive(endpoint, child, () => errors);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, accessKey, secretKey, dataDir, stop };
}

async function waitUntilLive(endpoint: string, child: ChildProcess, errors: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`MinIO exited with ${child.exitCode}: ${errors()}`);
    const live = await fetch(`${endpoint}/minio/health/live`).then(
      (res) => res.ok,
      () => false,
    );
    if (live) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`MinIO did not answer at ${endpoint} within 60 s: ${errors()}`);
}
