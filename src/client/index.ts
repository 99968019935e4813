export * from '../request-budget/client.js';
export * from './collection.js';
export * from './fleet-manifest.js';
export * from './tracking.js';
