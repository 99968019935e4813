import type { MetricMeter } from '@temporalio/common';

/** What the CloudDC client reports about its traffic; exported with the SDK's own metrics. */
export interface ApiMetrics {
  /** One request to `project` answered with `status`, or left without an answer. */
  response(operation: ApiOperation, project: string, status: number | 'no-answer'): void;
  /** A request not sent, its turn under the worker's rate limit being too far away. */
  heldBack(operation: ApiOperation, project: string): void;
  /** Archive bytes received. */
  downloaded(bytes: number): void;
}

export type ApiOperation = 'status' | 'export' | 'download' | 'list-servers';

/**
 * Counters on the SDK's meter, so they reach the same Prometheus endpoint as Temporal's. Labelled
 * by project, as each project has a budget of its own (a deployment serves a handful of them).
 */
export function meterApiMetrics(meter: MetricMeter): ApiMetrics {
  const requests = meter.createCounter(
    'clouddc_api_requests',
    'requests',
    'CloudDC API requests by operation and HTTP status',
  );
  const throttled = meter.createCounter(
    'clouddc_api_throttled',
    'requests',
    'CloudDC API requests answered 429',
  );
  const heldBack = meter.createCounter(
    'clouddc_api_held_back',
    'requests',
    "Requests deferred by the worker's own rate limit",
  );
  const bytes = meter.createCounter('clouddc_archive_bytes', 'bytes', 'Archive bytes downloaded');
  return {
    response(operation, project, status) {
      requests.add(1, { operation, project, status: String(status) });
      if (status === 429) throttled.add(1, { operation, project });
    },
    heldBack(operation, project) {
      heldBack.add(1, { operation, project });
    },
    downloaded(count) {
      bytes.add(count);
    },
  };
}

export const NO_API_METRICS: ApiMetrics = { response() {}, heldBack() {}, downloaded() {} };

/** Which operation a request is, from its method and path. */
export function operationOf(method: string, path: string): ApiOperation {
  const bare = path.split('?')[0] ?? path;
  if (bare.endsWith('/content')) return 'download';
  if (method === 'POST') return 'export';
  if (/\/logs\/exports\/[^/]+$/.test(bare)) return 'status';
  return 'list-servers';
}
