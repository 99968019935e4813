/**
 * The contract shared by workflows, activities, the worker and the CLI: names, types, defaults
 * and failure types, one module per workflow. Defined here once; everything else imports it.
 */

export * from '../request-budget/contract.js';
export * from './collect-fleet-logs.js';
export * from './collect-projects-logs.js';
export * from './collect-server-logs.js';
export * from './collection-totals.js';
export * from './duration.js';
export * from './failures.js';
export * from './input.js';
export * from './names.js';
export * from './nexus.js';
export * from './polling-policy.js';
export * from './search-attributes.js';
export * from './track-log-export.js';
