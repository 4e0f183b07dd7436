#!/usr/bin/env node
// `npx ccm …`: the staff command line. Runs the TypeScript source through tsx (a runtime dependency).
'use strict';
require('tsx/cjs');
require('../src/cli/ccm.ts').run();
