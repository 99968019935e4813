/** A worker bundle with the example parent alongside the product's workflows, as a team would run it. */
export * from '../index.js';
export { awaitExportViaNexus, diagnoseServer } from './nexus-caller.js';
export { remediateServer } from './remediation.js';
