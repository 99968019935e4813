import { z } from 'zod';
import { collectFleetLogsInputSchema } from './collect-fleet-logs.js';
import { collectProjectsLogsInputSchema } from './collect-projects-logs.js';
import { collectServerLogsInputSchema } from './collect-server-logs.js';
import { WorkflowType } from './names.js';
import { trackLogExportInputSchema } from './track-log-export.js';

/**
 * JSON Schemas of the workflow inputs, generated from the zod schemas the workflows validate
 * with, so the published schema and the checks can never disagree.
 */
export function workflowInputJsonSchemas(): Record<string, unknown> {
  const inputs = {
    [WorkflowType.TrackLogExport]: trackLogExportInputSchema,
    [WorkflowType.CollectServerLogs]: collectServerLogsInputSchema,
    [WorkflowType.CollectFleetLogs]: collectFleetLogsInputSchema,
    [WorkflowType.CollectProjectsLogs]: collectProjectsLogsInputSchema,
  };
  return Object.fromEntries(
    Object.entries(inputs).map(([workflowType, schema]) => [
      workflowType,
      { title: `${workflowType} input`, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
    ]),
  );
}
