export * from './collection.js';
export * from './tracking.js';
