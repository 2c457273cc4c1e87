#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx tollgate` works from a checkout without a build step.
require('tsx/cjs');
require('../src/cli/main.ts');
