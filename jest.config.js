/**
 * Three tiers, all real: `unit` (pure rules), `workflow` (Temporal time-skipping test server),
 * `integration` (Temporal dev server + PostgreSQL + an in-process SMTP server).
 * `npm test` runs all three; test/support/global-setup.ts starts and stops what they need.
 * @type {import('jest').Config}
 */
const transform = {
  '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
};
// Fastify's cookie and content-disposition are ESM-only: Node >= 20.19 require()s them natively,
// Jest's module system does not, so they are compiled to CommonJS like our own sources.
// @fastify/cookie loads `cookie` with a dynamic import(), which Jest cannot run without vm modules: compiled too.
const transformIgnorePatterns = ['/node_modules/(?!(cookie|content-disposition|@fastify/cookie)/)'];
const common = { testEnvironment: 'node', transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'workflow',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts', '<rootDir>/test/support/own-database.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'integration',
      setupFiles: ['<rootDir>/test/support/quiet-runtime.ts', '<rootDir>/test/support/own-database.ts'],
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 120000,
  // Three test files at a time: the integration files mostly wait (Temporal timers, child processes,
  // SMTP), each has its own database, task queues and (for feedback cases) case-number prefix, so
  // they do not meet on the shared dev server. On the 2-core machine (2026-12-04, 114 files): 575 s
  // with 2 (both workers busy to the end: 1,145 s of files), 415 s and 403 s with 3 (1,239 s of
  // files, the cores 94 % busy); 4 would only queue on the CPU.
  maxWorkers: 3,
};
