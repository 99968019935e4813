export { collectFleetLogs } from './collect-fleet-logs.js';
export { collectServerLogs } from './collect-server-logs.js';
export { projectRateLimit } from './project-rate-limit.js';
export { trackLogExport } from './track-log-export.js';
