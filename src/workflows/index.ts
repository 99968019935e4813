export { projectRateLimit } from '../request-budget/keeper-workflow.js';
export { sendShares } from '../request-budget/shares-workflow.js';
export { collectFleetLogs } from './collect-fleet-logs.js';
export { collectProjectsLogs } from './collect-projects-logs.js';
export { collectServerLogs } from './collect-server-logs.js';
export { summarizeProjectFleet } from './summarize-project-fleet.js';
export { trackLogExport } from './track-log-export.js';
