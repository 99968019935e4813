/**
 * The contract shared by workflows, activities, the worker and the CLI: names, types, defaults
 * and failure types. Defined here once; everything else imports it.
 */
export * from './collection.js';
export * from './duration.js';
export * from './failures.js';
export * from './input.js';
export * from './nexus.js';
export * from './rate-limits.js';
export * from './search-attributes.js';
export * from './tracking.js';
