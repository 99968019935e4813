export * from './collection.js';
export * from './rate-limits.js';
export * from './tracking.js';
