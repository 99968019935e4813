/** A worker bundle with the example parent alongside the product's workflows, as a team would run it. */
export * from '../../src/workflows/index.js';
export { remediateServer } from './remediation.js';
