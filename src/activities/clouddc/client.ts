import type { ExportRef, ExportStatusSnapshot } from '../../contract/index.js';
import { CloudDCApiError } from './errors.js';
import { readExportId, readExportRecord, readServerPage, type ServerPage } from './records.js';
import { type ApiTarget, type CallLimits, type CloudDCClientOptions, createTransport } from './transport.js';

/** DownloadServerLogs: the archive's bytes as they arrive. */
export interface ArchiveDownload {
  body: ReadableStream<Uint8Array>;
  /** From `Content-Disposition`, e.g. `2102312345-dump.tar.gz`, when the API names it. */
  filename?: string;
  contentLength?: number;
  requestId?: string;
}

/** The four CloudDC operations the tracker uses, one request each (see `transport.ts`). */
export interface CloudDCClient {
  /** ShowLogsExportStatus. */
  showLogsExportStatus(target: ApiTarget, ref: ExportRef, limits?: CallLimits): Promise<ExportStatusSnapshot>;
  /** ExportServerLogs: starts an export (202) and returns its record, with its `export_id`. */
  exportServerLogs(
    target: ApiTarget,
    server: { projectId: string; serverId: string },
    limits?: CallLimits,
  ): Promise<ExportStatusSnapshot & { exportId: string }>;
  /** DownloadServerLogs. The request timeout covers the answer's headers; the body is the caller's to time. */
  downloadServerLogs(target: ApiTarget, ref: ExportRef, limits?: CallLimits): Promise<ArchiveDownload>;
  /** One page of ListServers. */
  listServers(
    target: ApiTarget,
    query: { projectId: string; manageState?: string; marker?: string; limit: number },
    limits?: CallLimits,
  ): Promise<ServerPage>;
}

export function createCloudDCClient(options: CloudDCClientOptions): CloudDCClient {
  const transport = createTransport(options);
  return {
    async showLogsExportStatus(target, ref, limits = {}) {
      const path = exportPath(ref);
      const { body, requestId } = await transport.json({
        method: 'GET',
        target,
        projectId: ref.projectId,
        path,
        limits,
      });
      return readExportRecord(`GET ${path}`, body, requestId);
    },

    async exportServerLogs(target, { projectId, serverId }, limits = {}) {
      const path = `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports`;
      const { body, requestId } = await transport.json({ method: 'POST', target, projectId, path, limits });
      const exportId = readExportId(`POST ${path}`, body, requestId);
      return { ...readExportRecord(`POST ${path}`, body, requestId), exportId };
    },

    async downloadServerLogs(target, ref, limits = {}) {
      const path = `${exportPath(ref)}/content`;
      const { response } = await transport.stream({
        method: 'GET',
        target,
        projectId: ref.projectId,
        path,
        limits,
      });
      if (!response.body) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered ${response.status} without a body`,
        });
      }
      const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(
        response.headers.get('Content-Disposition') ?? '',
      )?.[1];
      const length = Number(response.headers.get('Content-Length') ?? Number.NaN);
      const requestId = response.headers.get('X-Request-Id') ?? undefined;
      return {
        body: response.body,
        ...(filename ? { filename } : {}),
        ...(Number.isFinite(length) ? { contentLength: length } : {}),
        ...(requestId ? { requestId } : {}),
      };
    },

    async listServers(target, { projectId, manageState, marker, limit }, limits = {}) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (manageState) query.set('manage_state', manageState);
      if (marker) query.set('marker', marker);
      const path = `/v1/${seg(projectId)}/physicalservers?${query}`;
      const { body, requestId } = await transport.json({ method: 'GET', target, projectId, path, limits });
      return readServerPage(`GET ${path}`, body, requestId);
    },
  };
}

function exportPath({ projectId, serverId, exportId }: ExportRef): string {
  return `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports/${seg(exportId)}`;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}
