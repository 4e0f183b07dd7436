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
  // Two test files at a time: the integration files mostly wait (Temporal timers, child processes,
  // SMTP), each has its own database, task queues and (for feedback cases) case-number prefix, so
  // they do not meet on the shared dev server. Three (2026-12-04, 2-core machine) ran in 403–455 s
  // instead of ~550 s with the cores 94 % busy, but health.test.ts's Temporal cut then answered
  // "timeout" instead of "refused" in one fresh-clone CI run of five: its time bounds assume two.
  maxWorkers: 2,
};
