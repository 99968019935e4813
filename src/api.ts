/**
 * The TypeScript API for other teams: our workflow input and result types, failure types and
 * names, and helpers that start our workflows as children of theirs with the standard IDs.
 * Workflow code imports from here; nothing here does I/O.
 */
export * from './contract/index.js';
export { awaitLogExport, type ChildOptions, collectServerLogsChild } from './workflows/children.js';
export {
  collectFleetLogs,
  collectProjectsLogs,
  collectServerLogs,
  trackLogExport,
} from './workflows/index.js';
