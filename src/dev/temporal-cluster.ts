import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, freePortBelow } from './free-port.js';
import type { RunningPostgres } from './postgres.js';
import { stopChild } from './stop-child.js';
import { membershipRings } from './temporal-membership.js';
import { serverEnvironment } from './temporal-server.js';
import { waitFor } from './wait-for.js';

export type TemporalRole = 'frontend' | 'history' | 'matching' | 'worker';

export interface TemporalServiceSpec {
  /** Names the process in logs and figures (`matching-2`), and its log file. */
  name: string;
  role: TemporalRole;
  /** `warn` by default: info is a few lines a second, and only some callers read it. */
  logLevel?: 'info' | 'warn';
}

export interface TemporalServiceProcess {
  readonly name: string;
  readonly role: TemporalRole;
  /** Its gRPC host:port: also its identity in its membership ring. */
  readonly address: string;
  readonly membershipPort: number;
  /** Appended to, across restarts. */
  readonly logFile: string;
  pid(): number | undefined;
  /**
   * Stops it (SIGTERM), waits until its ring has let it go, starts it again on the same ports and
   * waits until it is back in the ring; resolves with how long it was down.
   */
  restart(): Promise<number>;
}

export interface RunningTemporalCluster {
  /** host:port of the frontend. */
  address: string;
  services: TemporalServiceProcess[];
  service(name: string): TemporalServiceProcess;
  /** Every process at once: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface TemporalClusterOptions {
  server: string;
  tdbg: string;
  pg: RunningPostgres;
  /** The dynamic config file (deploy/dynamicconfig.yaml), as the compose file mounts it. */
  dynamicConfigFile: string;
  /** Where each process writes `<name>.log`. */
  logDir: string;
  /** One frontend, and any number of the other roles (matching hosts share a task queue's partitions). */
  services: TemporalServiceSpec[];
  log?: (line: string) => void;
}

const START_TIMEOUT_MS = 120_000;

/**
 * A Temporal cluster of one process per service, as a production deployment runs it:
 * `temporal-server start --service <role>` each, all on one PostgreSQL and in one membership. Each
 * process renders the server's embedded config template from its environment, as the
 * `temporalio/server` image does, with the compose file's variables and ports of its own; the
 * frontend's ports go to every process because the template names them in the cluster metadata.
 * Resolves once every process is in its ring.
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<RunningTemporalCluster> {
  const frontends = options.services.filter((s) => s.role === 'frontend').length;
  if (frontends !== 1) throw new Error(`A cluster needs one frontend, not ${frontends}`);
  const frontendPorts = { grpc: await freePort(), http: await freePort() };
  const address = `127.0.0.1:${frontendPorts.grpc}`;
  const rings = () => membershipRings(options.tdbg, address);
  const common = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...serverEnvironment(options.pg, options.dynamicConfigFile),
    POSTGRES_PWD: options.pg.password,
    FRONTEND_GRPC_PORT: String(frontendPorts.grpc),
    FRONTEND_HTTP_PORT: String(frontendPorts.http),
  };

  const services: ManagedService[] = [];
  /** Until the rings hold every one of `targets` (or, with `present` false, none); one read a turn for all. */
  const untilInRings = (targets: ManagedService[], present: boolean) =>
    waitFor(
      async () => {
        for (const target of targets) if (present) await target.failIfExited();
        const read = await rings().catch(() => undefined);
        return (
          read !== undefined &&
          targets.every((target) => (read.get(target.role) ?? []).includes(target.address) === present)
        );
      },
      {
        what: `${targets.map((t) => `${t.name} (${t.address})`).join(', ')} to ${present ? 'join' : 'leave'} the membership rings; logs in ${options.logDir}`,
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 300,
      },
    );
  for (const spec of options.services) {
    const grpcPort = spec.role === 'frontend' ? frontendPorts.grpc : await freePort();
    // The cluster_membership table keeps these as a PostgreSQL smallint: an ephemeral port (above
    // 32767) fails the server's start with "out of range for type smallint".
    const membershipPort = await freePortBelow(32_768);
    const ROLE = spec.role.toUpperCase();
    services.push(
      new ManagedService({
        ...spec,
        binary: options.server,
        logFile: join(options.logDir, `${spec.name}.log`),
        address: `127.0.0.1:${grpcPort}`,
        membershipPort,
        env: {
          ...common,
          [`${ROLE}_GRPC_PORT`]: String(grpcPort),
          [`${ROLE}_MEMBERSHIP_PORT`]: String(membershipPort),
          LOG_LEVEL: spec.logLevel ?? 'warn',
        },
        untilInRing: (service, present) => untilInRings([service], present),
      }),
    );
  }
  const stop = async (graceMs?: number) => {
    await Promise.all(services.map((s) => s.stop(graceMs)));
  };
  try {
    // On an empty database each process's first start writes the cluster's metadata record; started
    // together, all but one fail with "failed to initialize current cluster metadata". The
    // frontend goes first (the rings are read through it), the others together once it is up.
    const [frontend, others] = [
      services.filter((s) => s.role === 'frontend'),
      services.filter((s) => s.role !== 'frontend'),
    ];
    for (const group of [frontend, others]) {
      for (const service of group) await service.spawn();
      await untilInRings(group, true);
    }
  } catch (err) {
    await stop(5_000);
    throw err;
  }
  options.log?.(
    `Temporal cluster up: ${services.map((s) => `${s.name} ${s.address} (pid ${s.pid()})`).join(', ')}`,
  );
  return {
    address,
    services,
    service: (name) => {
      const found = services.find((s) => s.name === name);
      if (!found) throw new Error(`No Temporal service named ${name}`);
      return found;
    },
    stop,
  };
}

interface ManagedServiceOptions extends TemporalServiceSpec {
  binary: string;
  logFile: string;
  address: string;
  membershipPort: number;
  env: Record<string, string>;
  untilInRing: (service: ManagedService, present: boolean) => Promise<unknown>;
}

class ManagedService implements TemporalServiceProcess {
  readonly name: string;
  readonly role: TemporalRole;
  readonly address: string;
  readonly membershipPort: number;
  readonly logFile: string;
  readonly #options: ManagedServiceOptions;
  #child: ChildProcess | undefined;

  constructor(options: ManagedServiceOptions) {
    this.#options = options;
    this.name = options.name;
    this.role = options.role;
    this.address = options.address;
    this.membershipPort = options.membershipPort;
    this.logFile = options.logFile;
  }

  pid(): number | undefined {
    return this.#child?.pid;
  }

  async spawn(): Promise<void> {
    const log = await open(this.logFile, 'a');
    try {
      this.#child = spawn(this.#options.binary, ['start', '--service', this.role], {
        env: this.#options.env,
        stdio: ['ignore', log.fd, log.fd],
      });
    } finally {
      await log.close();
    }
  }

  /** Throws, with the end of its log, once the process has exited. */
  async failIfExited(): Promise<void> {
    const child = this.#child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return;
    const tail = await readFile(this.logFile, 'utf8').catch(() => '');
    throw new Error(
      `Temporal ${this.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail.slice(-3_000)}`,
    );
  }

  async stop(graceMs = 30_000): Promise<void> {
    if (this.#child) await stopChild(this.#child, graceMs);
  }

  async restart(): Promise<number> {
    const down = Date.now();
    await this.stop();
    // The rings are read through the frontend: a frontend has left once it has exited.
    if (this.role !== 'frontend') await this.#options.untilInRing(this, false);
    await this.spawn();
    await this.#options.untilInRing(this, true);
    return Date.now() - down;
  }
}
