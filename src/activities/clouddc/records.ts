import { z } from 'zod';
import type { ExportStatusSnapshot } from '../../contract/index.js';
import { CloudDCApiError } from './errors.js';
import { snippet } from './text.js';

/** One server as ListServers describes it. */
export interface ServerSummary {
  id: string;
  sn?: string;
  manageState?: string;
}

/** A page of ListServers. */
export interface ServerPage {
  servers: ServerSummary[];
  /** Pass as `marker` for the next page; absent on the last one. */
  nextMarker?: string;
  requestId?: string;
}

/**
 * Lenient on purpose: another implementation of the API may send a numeric `export_id` or
 * `created_at`, or a garbled percentage. Only a record with neither status nor percentage is
 * unusable; anything else is interpreted by the workflow.
 */
const exportRecordSchema = z
  .looseObject({
    status: z.string().nullish(),
    percentage: z.unknown().optional(),
    created_at: z.unknown().optional(),
  })
  .refine(
    (record) =>
      typeof record.status === 'string' || (record.percentage !== undefined && record.percentage !== null),
    { error: 'neither status nor percentage' },
  );

const exportIdSchema = z.looseObject({ export_id: z.union([z.string().min(1), z.number()]) });

const serverPageSchema = z.looseObject({
  servers: z.array(
    z.looseObject({
      id: z.union([z.string().min(1), z.number()]),
      sn: z.string().nullish(),
      manage_state: z.string().nullish(),
    }),
  ),
  page_info: z.looseObject({ next_marker: z.string().nullish() }).nullish(),
});

/** An export's record (ShowLogsExportStatus, ExportServerLogs); `what` names the call in errors. */
export function readExportRecord(
  what: string,
  body: unknown,
  requestId: string | undefined,
): ExportStatusSnapshot {
  const record = exportRecordSchema.safeParse(body);
  if (!record.success) {
    const problems = record.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw unusable(`${what} answered without a usable export record (${problems})`, body, requestId);
  }
  const { status, percentage, created_at } = record.data;
  return {
    status: status ?? null,
    percentage: typeof percentage === 'string' || typeof percentage === 'number' ? percentage : null,
    ...(typeof created_at === 'string' && created_at ? { createdAt: created_at } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** The `export_id` of an accepted ExportServerLogs. */
export function readExportId(what: string, body: unknown, requestId: string | undefined): string {
  const parsed = exportIdSchema.safeParse(body);
  if (!parsed.success) {
    throw unusable(`${what} was accepted but named no export_id`, body, requestId);
  }
  return String(parsed.data.export_id);
}

/** A page of ListServers. */
export function readServerPage(what: string, body: unknown, requestId: string | undefined): ServerPage {
  const page = serverPageSchema.safeParse(body);
  if (!page.success) {
    throw unusable(`${what} answered without a usable server list`, body, requestId);
  }
  const nextMarker = page.data.page_info?.next_marker ?? undefined;
  return {
    servers: page.data.servers.map((server) => ({
      id: String(server.id),
      ...(server.sn ? { sn: server.sn } : {}),
      ...(server.manage_state ? { manageState: server.manage_state } : {}),
    })),
    ...(nextMarker ? { nextMarker } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

/** A 2xx answer whose body is not what the API documents: the request arrived, the answer is unusable. */
function unusable(problem: string, body: unknown, requestId: string | undefined): CloudDCApiError {
  return new CloudDCApiError({
    kind: 'malformed',
    message: `${problem}: ${snippet(JSON.stringify(body))}`,
    ...(requestId ? { requestId } : {}),
    mayHaveArrived: true,
  });
}
