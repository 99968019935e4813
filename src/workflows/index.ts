export { trackLogExport } from './track-log-export.js';
