import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudDCSimulator } from '../../src/simulator/server.js';
import { waitFor } from '../helpers/harness.js';

const TOKEN = 'sim-token';
let sim: CloudDCSimulator;
beforeAll(async () => {
  sim = await CloudDCSimulator.start({
    tokens: [TOKEN],
    defaultScenario: { durationMs: 300, archiveBytes: 10_000 },
  });
});
afterAll(async () => {
  await sim?.close();
});

function get(path: string, token: string | undefined = TOKEN) {
  return fetch(`${sim.url}${path}`, token ? { headers: { 'X-Auth-Token': token } } : {});
}

async function tarEntries(bytes: Buffer): Promise<Record<string, number>> {
  const extract = tar.extract();
  const entries: Record<string, number> = {};
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      let size = 0;
      stream.on('data', (chunk: unknown) => {
        size += (chunk as Buffer).length;
      });
      stream.on('end', () => {
        entries[header.name] = size;
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([bytes]).pipe(createGunzip()).pipe(extract);
  await done;
  return entries;
}

describe('CloudDC simulator', () => {
  it('rejects a request without a valid token with 401 APIGW.0301 and an X-Request-Id', async () => {
    const response = await get('/v1/p/physicalservers', 'wrong');
    expect(response.status).toBe(401);
    expect(response.headers.get('X-Request-Id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await response.json()).toMatchObject({ error_code: 'APIGW.0301' });
  });

  it('lists servers page by page with marker and limit, filtered by manage_state', async () => {
    for (let i = 0; i < 25; i++) sim.addServer('p-list', `srv-${String(i).padStart(2, '0')}`);
    sim.addServer('p-list', 'srv-frozen', { manageState: 'frozen' });
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const response = await get(
        `/v1/p-list/physicalservers?manage_state=in-use&limit=10${marker ? `&marker=${marker}` : ''}`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        servers: Array<{ id: string; sn: string; manage_state: string }>;
        page_info: { next_marker?: string; current_count: number };
        count: number;
      };
      expect(body.count).toBe(25);
      expect(body.page_info.current_count).toBe(body.servers.length);
      seen.push(...body.servers.map((s) => s.id));
      marker = body.page_info.next_marker;
      pages += 1;
    } while (marker);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain('srv-frozen');
    expect((await get('/v1/p-list/physicalservers?limit=5')).status).toBe(400);
  });

  it('starts an export with 202, reports its progress, and serves a real tar.gz once complete', async () => {
    sim.addServer('p-dl', 'srv-1', { sn: 'SN0001' });
    const started = await fetch(`${sim.url}/v1/p-dl/physicalservers/srv-1/logs/exports`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKEN },
    });
    expect(started.status).toBe(202);
    const record = (await started.json()) as {
      export_id: string;
      status: string;
      percentage: string;
      created_at: string;
    };
    expect(record).toMatchObject({ status: 'processing', percentage: '0%' });
    expect(record.created_at).toMatch(/Z$/);

    const early = await get(`/v1/p-dl/physicalservers/srv-1/logs/exports/${record.export_id}/content`);
    expect(early.status).toBe(400);

    await waitFor(
      async () => {
        const response = await get(`/v1/p-dl/physicalservers/srv-1/logs/exports/${record.export_id}`);
        const body = (await response.json()) as { status: string };
        return body.status === 'completed' ? true : undefined;
      },
      { what: 'the export to complete' },
    );
    const download = await get(`/v1/p-dl/physicalservers/srv-1/logs/exports/${record.export_id}/content`);
    expect(download.status).toBe(200);
    expect(download.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(download.headers.get('Content-Disposition')).toContain('SN0001-dump.tar.gz');
    const bytes = Buffer.from(await download.arrayBuffer());
    const expected = await sim.archiveOf(
      sim.getExport('p-dl', 'srv-1', record.export_id) ?? expect.fail('no export'),
    );
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(expected.sha256);
    expect(await tarEntries(bytes)).toEqual({
      'SN0001/dump.log': expect.any(Number),
      'SN0001/payload.bin': 10_000,
    });
  });

  it('answers 404 for an unknown server or export', async () => {
    expect((await get('/v1/p-dl/physicalservers/nope')).status).toBe(404);
    expect((await get('/v1/p-dl/physicalservers/srv-1/logs/exports/nope')).status).toBe(404);
    const post = await fetch(`${sim.url}/v1/p-dl/physicalservers/nope/logs/exports`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKEN },
    });
    expect(post.status).toBe(404);
  });

  it('records every request with its time, path and status', async () => {
    const before = sim.requests.length;
    await get('/v1/p-dl/physicalservers/srv-1');
    const recorded = sim.requests.slice(before);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      method: 'GET',
      path: '/v1/p-dl/physicalservers/srv-1',
      status: 200,
      authToken: TOKEN,
    });
    expect(Math.abs((recorded[0]?.at ?? 0) - Date.now())).toBeLessThan(5_000);
  });
});

describe('CloudDC simulator rate limit', () => {
  it('answers 429 APIGW.0308 past the per-project limit, as the gateway does', async () => {
    const limited = await CloudDCSimulator.start({ rateLimitPerProject: 5 });
    try {
      limited.addServer('p-rl', 'srv-1');
      const statuses = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await fetch(`${limited.url}/v1/p-rl/physicalservers/srv-1`)).status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
      const throttled = await fetch(`${limited.url}/v1/p-rl/physicalservers/srv-1`);
      expect(throttled.status).toBe(429);
      expect(await throttled.json()).toMatchObject({ error_code: 'APIGW.0308' });
    } finally {
      await limited.close();
    }
  });
});

describe('CloudDC simulator request log', () => {
  it('keeps the latest requests only, but counts every poll and 429 of an export', async () => {
    const sim = await CloudDCSimulator.start({ rateLimitPerProject: 10, requestLogLimit: 20 });
    try {
      const record = sim.createExport('p-log', 'srv-1', { durationMs: 60_000 });
      const path = `${sim.url}/v1/p-log/physicalservers/srv-1/logs/exports/${record.exportId}`;
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await fetch(path)).status);
      expect(sim.requests.length).toBeLessThanOrEqual(22);
      expect(sim.statusTally(record)).toEqual({
        requests: 40,
        throttled: statuses.filter((s) => s === 429).length,
      });
      expect(sim.statusTally(record).throttled).toBeGreaterThan(0);
      // Every arrival is kept, so a long run's busiest seconds can be read after the log is trimmed.
      const arrivals = sim.arrivalsOf('p-log');
      expect(arrivals).toHaveLength(40);
      expect(arrivals.slice(-sim.requests.length)).toEqual(sim.requests.map((r) => r.at));
    } finally {
      await sim.close();
    }
  });
});
