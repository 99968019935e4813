import { describeExport, type ExportStatusRequest, type ExportStatusSnapshot } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';

/** One ShowLogsExportStatus call; every retry is Temporal's, paced by the failure it raises. */
export function getExportStatusActivity(deps: ActivityDependencies) {
  return async function getExportStatus(request: ExportStatusRequest): Promise<ExportStatusSnapshot> {
    const call = apiCall(deps, describeExport(request), request, { exportId: request.exportId });
    // The tracker waits out a 429 itself and polls again ahead of its project's queue.
    const snapshot = await call.send(
      () => deps.cloudDC.showLogsExportStatus(call.target, request, call.limits),
      { failedBefore: request.failedAttempts, throttleToWorkflow: true },
    );
    return { ...snapshot, answeredAt: Date.now() };
  };
}
