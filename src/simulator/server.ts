import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { archiveDigest, archiveStream, buildArchive, type SimulatedArchive } from './archive.js';
import { type Fault, FaultPlan, type FaultRuleInput } from './faults.js';
import { type SimulatedAccessKey, type SimulatedIamUser, SimulatedIdentity } from './identity.js';
import { ProjectRateLimit } from './rate-limit.js';
import { busiestSecond } from './request-rate.js';
import {
  type ExportScenario,
  type ExportScenarioInput,
  exportScenarioSchema,
  exportViewAt,
  finishAfterMs,
  formatCreatedAt,
  formatPercentage,
} from './scenario.js';

export interface SimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accepted static `X-Auth-Token` values. With no credentials at all, every request is accepted. */
  tokens?: string[];
  /** AK/SK pairs whose `SDK-HMAC-SHA256` signatures are accepted. */
  accessKeys?: SimulatedAccessKey[];
  /** IAM users who may get project-scoped tokens from `POST /v3/auth/tokens`. */
  iamUsers?: SimulatedIamUser[];
  /** Lifetime of the IAM tokens issued; default 24 h. */
  tokenLifetimeMs?: number;
  /**
   * Share another simulator's credentials (instead of the four options above), e.g. one
   * simulator playing IAM and another CloudDC, so tests can see which host got what.
   */
  identity?: SimulatedIdentity;
  /** Scenario of exports started through the API (ExportServerLogs). */
  defaultScenario?: ExportScenarioInput;
  clock?: () => number;
  /** Requests per second each project may make; over it, 429 APIGW.0308 as the gateway answers. */
  rateLimitPerProject?: number;
  /** Requests kept in `requests` (the oldest are dropped); counts per path are kept regardless. Default 100,000. */
  requestLogLimit?: number;
}

/** Which export a question about requests is about. */
export interface SimulatedExportRef {
  projectId: string;
  serverId: string;
  exportId: string;
}

/** Requests to one path, and how many of them were refused with 429. */
export interface RequestTally {
  requests: number;
  throttled: number;
}

export interface SimulatedServer {
  id: string;
  projectId: string;
  sn: string;
  manageState: string;
  /** How exports started on this server through the API behave (over the default scenario). */
  exportScenario?: ExportScenarioInput;
}

export interface SimulatedExport {
  projectId: string;
  serverId: string;
  exportId: string;
  scenario: ExportScenario;
  createdAt: number;
  /** When the export reaches its final state, on the simulator's clock. */
  finishesAt: number;
}

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  /** The status sent, or `dropped` when the connection was closed without an answer. */
  status: number | 'dropped' | 'reset';
  requestId: string;
  /** The X-Auth-Token sent, if any, so tests can check which credential reached the API. */
  authToken?: string;
  /** The `X-Sdk-Date` of a signed request. */
  sdkDate?: string;
  /** How the request was authenticated, when it was. */
  auth?: 'token' | 'aksk' | 'iam-token';
}

const EXPORT_PATH = /^\/v1\/([^/]+)\/physicalservers\/([^/]+)\/logs\/exports\/([^/]+)$/;
const CONTENT_PATH = /^\/v1\/([^/]+)\/physicalservers\/([^/]+)\/logs\/exports\/([^/]+)\/content$/;
const SERVERS_PATH = /^\/v1\/([^/]+)\/physicalservers$/;
const EXPORTS_PATH = /^\/v1\/([^/]+)\/physicalservers\/([^/]+)\/logs\/exports$/;
const SERVER_PATH = /^\/v1\/([^/]+)\/physicalservers\/([^/]+)$/;

/** Archives above this size are made as they are sent and never kept, so a 1 GiB export costs the simulator no memory. */
const KEPT_ARCHIVE_BYTES = 64 * 1024 * 1024;

/**
 * A local CloudDC API for tests, the demo and the benchmark: in-memory servers and exports that
 * progress along configurable curves, token checks, injected faults, and a record of every request.
 */
export class CloudDCSimulator {
  readonly faults = new FaultPlan();
  readonly requests: RecordedRequest[] = [];
  readonly #servers = new Map<string, SimulatedServer>();
  readonly #exports = new Map<string, SimulatedExport>();
  readonly identity: SimulatedIdentity;
  readonly #rateLimit: ProjectRateLimit | undefined;
  readonly #defaultScenario: ExportScenario;
  readonly #clock: () => number;
  readonly #http: Server;
  readonly #archives = new Map<string, Promise<SimulatedArchive>>();
  readonly #tallies = new Map<string, RequestTally>();
  readonly #projectTallies = new Map<string, RequestTally>();
  /** Every request's arrival by project: a number each, kept for the whole run, unlike the log. */
  readonly #arrivals = new Map<string, number[]>();
  /** Answers whose archive body a `trickle` fault slows down. */
  readonly #trickled = new WeakMap<ServerResponse, number>();
  readonly #requestLogLimit: number;
  #nextExportId = 1;
  #url = '';

  private constructor(options: SimulatorOptions) {
    this.identity =
      options.identity ??
      new SimulatedIdentity({
        ...(options.tokens ? { tokens: options.tokens } : {}),
        ...(options.accessKeys ? { accessKeys: options.accessKeys } : {}),
        ...(options.iamUsers ? { iamUsers: options.iamUsers } : {}),
        ...(options.tokenLifetimeMs ? { tokenLifetimeMs: options.tokenLifetimeMs } : {}),
        clock: options.clock ?? Date.now,
      });
    this.#defaultScenario = exportScenarioSchema.parse(options.defaultScenario ?? {});
    this.#rateLimit = options.rateLimitPerProject
      ? new ProjectRateLimit(options.rateLimitPerProject, options.clock ?? Date.now)
      : undefined;
    this.#clock = options.clock ?? Date.now;
    this.#requestLogLimit = options.requestLogLimit ?? 100_000;
    this.#http = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.#json(res, 500, { error_code: 'SIM.0500', error_msg: String(err) });
        else res.destroy();
      });
    });
  }

  static async start(options: SimulatorOptions = {}): Promise<CloudDCSimulator> {
    const sim = new CloudDCSimulator(options);
    await new Promise<void>((resolve, reject) => {
      sim.#http.once('error', reject);
      sim.#http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = sim.#http.address() as AddressInfo;
    sim.#url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return sim;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  async close(): Promise<void> {
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  addServer(
    projectId: string,
    serverId: string,
    details: Partial<Omit<SimulatedServer, 'id' | 'projectId'>> = {},
  ) {
    const server: SimulatedServer = {
      id: serverId,
      projectId,
      sn: details.sn ?? `SN${serverId.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`,
      manageState: details.manageState ?? 'in-use',
      ...(details.exportScenario ? { exportScenario: details.exportScenario } : {}),
    };
    this.#servers.set(serverKey(projectId, serverId), server);
    return server;
  }

  /** Creates an export directly (as if ExportServerLogs had been called), adding the server if needed. */
  createExport(
    projectId: string,
    serverId: string,
    scenario: ExportScenarioInput | Record<string, unknown> = {},
    exportId?: string,
  ): SimulatedExport {
    if (!this.#servers.has(serverKey(projectId, serverId))) this.addServer(projectId, serverId);
    const parsed = exportScenarioSchema.parse({ ...this.#defaultScenario, ...(scenario as object) });
    const createdAt = this.#clock();
    const record: SimulatedExport = {
      projectId,
      serverId,
      exportId: exportId ?? String(this.#nextExportId++),
      scenario: parsed,
      createdAt,
      finishesAt: createdAt + finishAfterMs(parsed),
    };
    this.#exports.set(exportKey(projectId, serverId, record.exportId), record);
    return record;
  }

  /** Every export of a server, oldest first. */
  exportsOf(projectId: string, serverId: string): SimulatedExport[] {
    return [...this.#exports.values()].filter((e) => e.projectId === projectId && e.serverId === serverId);
  }

  getExport(projectId: string, serverId: string, exportId: string): SimulatedExport | undefined {
    return this.#exports.get(exportKey(projectId, serverId, exportId));
  }

  /** The archive DownloadServerLogs serves for an export, built once and kept. */
  archiveOf(record: SimulatedExport): Promise<SimulatedArchive> {
    const key = exportKey(record.projectId, record.serverId, record.exportId);
    let archive = this.#archives.get(key);
    if (!archive) {
      archive = buildArchive(this.#snOf(record), key, record.scenario.archiveBytes);
      this.#archives.set(key, archive);
    }
    return archive;
  }

  /** The size and sha256 of an export's archive, for archives too large to keep (see `archiveOf`). */
  archiveDigest(record: SimulatedExport): Promise<{ bytes: number; sha256: string }> {
    const key = exportKey(record.projectId, record.serverId, record.exportId);
    return archiveDigest(this.#snOf(record), key, record.scenario.archiveBytes);
  }

  #snOf(record: SimulatedExport): string {
    return this.#servers.get(serverKey(record.projectId, record.serverId))?.sn ?? record.serverId;
  }

  /** Status polls of one export (requests to exactly its path). */
  statusRequests({ projectId, serverId, exportId }: SimulatedExportRef) {
    const path = statusPath(projectId, serverId, exportId);
    return this.requests.filter((r) => r.path === path);
  }

  /** How many status polls of one export arrived, and how many were throttled, however long the run. */
  statusTally({ projectId, serverId, exportId }: SimulatedExportRef): RequestTally {
    return {
      ...(this.#tallies.get(statusPath(projectId, serverId, exportId)) ?? { requests: 0, throttled: 0 }),
    };
  }

  /** How many requests one project made, and how many were throttled, however long the run. */
  projectTally(projectId: string): RequestTally {
    return { ...(this.#projectTallies.get(projectId) ?? { requests: 0, throttled: 0 }) };
  }

  /** The most requests one project made within any one second, however long the run. */
  busiestSecondOf(projectId: string): number {
    return busiestSecond(this.#arrivals.get(projectId) ?? []);
  }

  /** When each of a project's requests arrived (epoch ms), however long the run. */
  arrivalsOf(projectId: string): number[] {
    return [...(this.#arrivals.get(projectId) ?? [])];
  }

  /** Requests whose path contains `fragment`. */
  requestsTo(fragment: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  injectFaults(...rules: FaultRuleInput[]): void {
    this.faults.add(...rules);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomUUID().replace(/-/g, '');
    const token = header(req, 'x-auth-token');
    const sdkDate = header(req, 'x-sdk-date');
    const record: RecordedRequest = {
      at: this.#clock(),
      method,
      path: url.pathname,
      status: 0,
      requestId,
      ...(token ? { authToken: token } : {}),
      ...(sdkDate ? { sdkDate } : {}),
    };
    this.requests.push(record);
    // Trimmed in batches, so a long benchmark neither grows without bound nor shifts on every request.
    if (this.requests.length > this.#requestLogLimit * 1.1) {
      this.requests.splice(0, this.requests.length - this.#requestLogLimit);
    }
    const tally = this.#tallies.get(url.pathname) ?? { requests: 0, throttled: 0 };
    this.#tallies.set(url.pathname, tally);
    tally.requests += 1;
    const requestProject = /^\/v1\/([^/]+)\//.exec(url.pathname)?.[1];
    const projectTally = requestProject
      ? (this.#projectTallies.get(requestProject) ?? { requests: 0, throttled: 0 })
      : undefined;
    if (requestProject && projectTally) {
      this.#projectTallies.set(requestProject, projectTally);
      projectTally.requests += 1;
      const arrivals = this.#arrivals.get(requestProject) ?? [];
      this.#arrivals.set(requestProject, arrivals);
      arrivals.push(record.at);
    }
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Date', new Date(this.#clock()).toUTCString());
    res.on('finish', () => {
      if (record.status === 0) record.status = res.statusCode;
      if (res.statusCode === 429) {
        tally.throttled += 1;
        if (projectTally) projectTally.throttled += 1;
      }
    });

    if (url.pathname.startsWith('/_sim/')) return this.#admin(req, res, method, url);
    const body = await readBody(req);

    const fault = this.faults.take(method, url.pathname);
    if (fault && (await this.#applyFault(fault, res, record))) return;

    // IAM's path, under any prefix, so an endpoint template can tell regions apart.
    if (method === 'POST' && url.pathname.endsWith('/v3/auth/tokens')) {
      const answer = this.identity.issueToken(parseJsonOrUndefined(body));
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
      return;
    }

    const throttledProject = /^\/v1\/([^/]+)\//.exec(url.pathname)?.[1];
    if (this.#rateLimit && throttledProject && !this.#rateLimit.take(throttledProject)) {
      return this.#json(res, 429, {
        error_code: 'APIGW.0308',
        error_msg: `The throttling threshold has been reached: policy user over ratelimit,limit:${this.#rateLimit.perSecond},time:1 second`,
        request_id: requestId,
      });
    }

    if (this.identity.enforcing) {
      const projectId = /^\/v1\/([^/]+)\//.exec(url.pathname)?.[1];
      const outcome = this.identity.verify({
        method,
        rawUrl: req.url ?? '/',
        headers: req.headers,
        body,
        ...(projectId ? { projectId: decodeURIComponent(projectId) } : {}),
      });
      if (!outcome.ok) {
        return this.#json(res, 401, {
          error_code: 'APIGW.0301',
          error_msg: outcome.message,
          request_id: requestId,
        });
      }
      record.auth = outcome.scheme;
    }
    return this.#api(res, method, url);
  }

  /** DownloadServerLogs: the archive once the export completed, 400 before that. */
  async #download(res: ServerResponse, record: SimulatedExport): Promise<void> {
    const view = exportViewAt(record.scenario, this.#clock() - record.createdAt);
    if (!view.finished || record.scenario.outcome === 'failed') {
      return this.#json(res, 400, {
        error_code: 'CLOUDDC.0400',
        error_msg: `Export ${record.exportId} is not complete (${view.status}, ${view.percentage}%).`,
      });
    }
    const headers = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${this.#snOf(record)}-dump.tar.gz"`,
    };
    if (record.scenario.archiveBytes > KEPT_ARCHIVE_BYTES) {
      // Made as it is sent, so its length is not known ahead: sent chunked, as gateways do.
      res.writeHead(200, headers);
      const key = exportKey(record.projectId, record.serverId, record.exportId);
      await pipeline(archiveStream(this.#snOf(record), key, record.scenario.archiveBytes), res).catch(
        () => undefined,
      );
      return;
    }
    const archive = await this.archiveOf(record);
    res.writeHead(200, { ...headers, 'Content-Length': String(archive.bytes.length) });
    const pace = this.#trickled.get(res);
    if (pace === undefined) return void res.end(archive.bytes);
    // Ten chunks a second; a client that goes away ends the loop.
    const chunk = Math.max(1, Math.round(pace / 10));
    for (let at = 0; at < archive.bytes.length && !res.destroyed; at += chunk) {
      res.write(archive.bytes.subarray(at, at + chunk));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    res.end();
  }

  /** ListServers: sorted by ID, paged with `marker` (the last ID of the previous page) and `limit`. */
  #listServers(res: ServerResponse, projectId: string, query: URLSearchParams) {
    const limit = query.has('limit') ? Number(query.get('limit')) : 100;
    if (!Number.isInteger(limit) || limit < 10 || limit > 1000) {
      return this.#json(res, 400, {
        error_code: 'CLOUDDC.0400',
        error_msg: 'limit must be an integer from 10 to 1000',
      });
    }
    const manageState = query.get('manage_state');
    const marker = query.get('marker');
    const matching = [...this.#servers.values()]
      .filter(
        (server) => server.projectId === projectId && (!manageState || server.manageState === manageState),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = marker ? matching.findIndex((server) => server.id > marker) : 0;
    const page = start < 0 ? [] : matching.slice(start, start + limit);
    const last = page.at(-1);
    const more = last !== undefined && matching.indexOf(last) < matching.length - 1;
    return this.#json(res, 200, {
      servers: page.map(serverBody),
      page_info: { current_count: page.length, ...(more ? { next_marker: last.id } : {}) },
      count: matching.length,
    });
  }

  /** Applies a fault; returns true when it answered (or dropped) the request. */
  async #applyFault(fault: Fault, res: ServerResponse, record: RecordedRequest): Promise<boolean> {
    switch (fault.kind) {
      case 'trickle':
        this.#trickled.set(res, fault.bytesPerSecond);
        return false;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'drop':
        record.status = 'dropped';
        res.socket?.destroy();
        return true;
      case 'reset-mid-body':
        record.status = 'reset';
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '200' });
        res.write('{"export_id": "1", "status": "proc');
        setTimeout(() => res.socket?.destroy(), 20);
        return true;
      case 'malformed':
        res.writeHead(200, { 'Content-Type': fault.contentType });
        res.end(fault.body);
        return true;
      case 'status': {
        const headers: Record<string, string> = { ...fault.headers };
        if (fault.retryAfter) {
          const { seconds, as } = fault.retryAfter;
          // HTTP dates have whole seconds: date the response and the Retry-After from the same second.
          const now = Math.floor(this.#clock() / 1000) * 1000;
          res.setHeader('Date', new Date(now).toUTCString());
          headers['Retry-After'] =
            as === 'delta' ? String(seconds) : new Date(now + seconds * 1000).toUTCString();
        }
        const body =
          fault.body ??
          (fault.status === 429
            ? 'The request is overloaded.'
            : { error_code: `SIM.${fault.status}`, error_msg: 'Injected fault' });
        if (typeof body === 'string') {
          res.writeHead(fault.status, { 'Content-Type': 'text/plain', ...headers });
          res.end(body);
        } else {
          res.writeHead(fault.status, { 'Content-Type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        }
        return true;
      }
    }
  }

  #api(res: ServerResponse, method: string, url: URL) {
    const path = url.pathname;
    const contentMatch = CONTENT_PATH.exec(path);
    const exportMatch = contentMatch ?? EXPORT_PATH.exec(path);
    if (exportMatch && method === 'GET') {
      const [projectId, serverId, exportId] = exportMatch.slice(1).map(decodeURIComponent) as [
        string,
        string,
        string,
      ];
      const record = this.getExport(projectId, serverId, exportId);
      if (!record) return this.#notFound(res, `Export ${exportId} of server ${serverId} does not exist.`);
      return contentMatch ? this.#download(res, record) : this.#json(res, 200, this.#exportBody(record));
    }
    let match = SERVERS_PATH.exec(path);
    if (match && method === 'GET')
      return this.#listServers(res, decodeURIComponent(match[1] as string), url.searchParams);
    match = EXPORTS_PATH.exec(path);
    if (match && method === 'POST') {
      const [projectId, serverId] = match.slice(1).map(decodeURIComponent) as [string, string];
      if (!this.#servers.has(serverKey(projectId, serverId))) {
        return this.#notFound(res, `Server ${serverId} does not exist.`);
      }
      const server = this.#servers.get(serverKey(projectId, serverId));
      const record = this.createExport(projectId, serverId, server?.exportScenario);
      // The answer describes the export as it was created, however long the reply takes to write.
      return this.#json(res, 202, this.#exportBody(record, record.createdAt));
    }
    match = SERVER_PATH.exec(path);
    if (match && method === 'GET') {
      const [projectId, serverId] = match.slice(1).map(decodeURIComponent) as [string, string];
      const server = this.#servers.get(serverKey(projectId, serverId));
      if (!server) return this.#notFound(res, `Server ${serverId} does not exist.`);
      return this.#json(res, 200, serverBody(server));
    }
    return this.#notFound(res, `No such resource: ${method} ${path}`);
  }

  #exportBody(record: SimulatedExport, at = this.#clock()) {
    const view = exportViewAt(record.scenario, at - record.createdAt);
    return {
      export_id: record.exportId,
      status: view.status,
      percentage: formatPercentage(record.scenario, view.percentage, at - record.createdAt),
      created_at: formatCreatedAt(record.scenario, record.createdAt),
    };
  }

  async #admin(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    if (method === 'GET' && url.pathname === '/_sim/requests') return this.#json(res, 200, this.requests);
    if (method === 'POST' && url.pathname === '/_sim/exports') {
      try {
        const { projectId, serverId, exportId, scenario } = adminExportSchema.parse(await readJson(req));
        const record = this.createExport(projectId, serverId, scenario, exportId);
        return this.#json(res, 201, { ...record, ...this.#exportBody(record) });
      } catch (err) {
        return this.#json(res, 400, { error_code: 'SIM.0400', error_msg: describeError(err) });
      }
    }
    if (method === 'POST' && url.pathname === '/_sim/faults') {
      try {
        this.injectFaults(...(z.array(z.unknown()).parse(await readJson(req)) as FaultRuleInput[]));
      } catch (err) {
        return this.#json(res, 400, { error_code: 'SIM.0400', error_msg: describeError(err) });
      }
      return this.#json(res, 204, undefined);
    }
    return this.#notFound(res, `No such simulator endpoint: ${method} ${url.pathname}`);
  }

  #notFound(res: ServerResponse, message: string): void {
    this.#json(res, 404, { error_code: 'CLOUDDC.0404', error_msg: message });
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

const adminExportSchema = z.strictObject({
  projectId: z.string().min(1),
  serverId: z.string().min(1),
  exportId: z.string().min(1).optional(),
  // Checked in full by createExport, once merged with the default scenario.
  scenario: z.record(z.string(), z.unknown()).default({}),
});

function describeError(err: unknown): string {
  return err instanceof z.ZodError ? z.prettifyError(err) : String(err);
}

function serverBody(server: SimulatedServer) {
  return {
    id: server.id,
    name: server.id,
    sn: server.sn,
    manage_state: server.manageState,
    project_id: server.projectId,
  };
}

function serverKey(projectId: string, serverId: string): string {
  return `${projectId}\u0000${serverId}`;
}

function exportKey(projectId: string, serverId: string, exportId: string): string {
  return `${projectId}\u0000${serverId}\u0000${exportId}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : {};
}

function parseJsonOrUndefined(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function statusPath(projectId: string, serverId: string, exportId: string): string {
  return `/v1/${encodeURIComponent(projectId)}/physicalservers/${encodeURIComponent(serverId)}/logs/exports/${encodeURIComponent(exportId)}`;
}
