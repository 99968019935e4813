#!/usr/bin/env node
// The package's `bin`: runs the TypeScript CLI through tsx, so no separate build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/starter.ts');
