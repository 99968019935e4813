import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { CredentialsError } from '../auth/index.js';
import { type ApiOperation, operationOf } from '../metrics.js';

/**
 * A no-op until the worker registers a tracer provider (tracing on), and then a child of whatever
 * span is active: the activity's, started by the Temporal interceptor.
 */
const tracer = trace.getTracer('clouddc-log-export-tracker');

/**
 * The paths with their variables named, as the API reference writes them: a span names the
 * route, never the full URL, so IDs stay out of span names and queries out of spans altogether.
 */
const ROUTES: Record<ApiOperation, { name: string; route: string }> = {
  status: {
    name: 'ShowLogsExportStatus',
    route: '/v1/{project_id}/physicalservers/{server_id}/logs/exports/{export_id}',
  },
  export: { name: 'ExportServerLogs', route: '/v1/{project_id}/physicalservers/{server_id}/logs/exports' },
  download: {
    name: 'DownloadServerLogs',
    route: '/v1/{project_id}/physicalservers/{server_id}/logs/exports/{export_id}/content',
  },
  'list-servers': { name: 'ListServers', route: '/v1/{project_id}/physicalservers' },
};

/** One HTTP attempt as a client span; ended by the caller once the answer (or its absence) is known. */
export interface ApiSpan {
  /** The answer's status and the API's `X-Request-Id`, as soon as its headers are in. */
  answered(response: Response): void;
  /** No usable answer: the request could not be sent or its answer not read. */
  failed(err: unknown): void;
  end(): void;
}

/**
 * Starts the span of one request to CloudDC. Its attributes follow the OpenTelemetry HTTP
 * conventions, plus the region, project and request ID; credentials never reach it (headers are
 * not read, and a failure is named by its kind, not by a message that might quote one).
 */
export function startApiSpan(request: {
  method: string;
  path: string;
  endpoint: string;
  region: string;
  projectId: string;
  /** 1 for the request sent again after a 401 with fresh credentials. */
  resendCount: number;
}): ApiSpan {
  const { name, route } = ROUTES[operationOf(request.method, request.path)];
  const server = new URL(request.endpoint);
  const span = tracer.startSpan(`${request.method} ${route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      // Incubating conventions, spelled out rather than imported from the incubating entry point.
      'url.template': route,
      ...(request.resendCount > 0 ? { 'http.request.resend_count': request.resendCount } : {}),
      [ATTR_SERVER_ADDRESS]: server.hostname,
      [ATTR_SERVER_PORT]: Number(server.port || (server.protocol === 'https:' ? 443 : 80)),
      'clouddc.operation': name,
      'clouddc.region': request.region,
      'clouddc.project_id': request.projectId,
    },
  });
  return {
    answered(response) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      const requestId = response.headers.get('X-Request-Id');
      if (requestId) span.setAttribute('clouddc.request_id', requestId);
      if (response.status >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(response.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
    failed(err) {
      span.setAttribute(
        ATTR_ERROR_TYPE,
        err instanceof CredentialsError ? 'credentials' : err instanceof Error ? err.name : 'unknown',
      );
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
    end() {
      span.end();
    },
  };
}
