/**
 * workflows/ must stay deterministic (Temporal replays it): the ESLint configuration forbids Node
 * built-ins, the database, mail, other Temporal packages and timers there. This lints throw-away
 * files inside workflows/ with the project's real configuration (one ESLint run for all of them)
 * and checks each forbidden thing is reported, and that the allowed imports are not.
 */
import { spawnSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries';

jest.setTimeout(120_000);

const forbidden: [string, string][] = [
  ["import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no Node built-ins'],
  ["import crypto from 'crypto';\nexport const c = crypto;\n", 'no Node built-ins'],
  ["import { PrismaPg } from '@prisma/adapter-pg';\nexport const p = PrismaPg;\n", 'must not touch the database'],
  ["import { createDb } from '../src/db/client';\nexport const d = createDb;\n", 'must not touch the database'],
  ["import nodemailer from 'nodemailer';\nexport const n = nodemailer;\n", 'must not send mail'],
  ["import { createActivities } from '../activities';\nexport const a = createActivities;\n", 'proxyActivities'],
  ["import { Client } from '@temporalio/client';\nexport const c = Client;\n", 'only @temporalio/workflow'],
  ['export function wait(): void {\n  setTimeout(() => undefined, 10);\n}\n', 'Use sleep()'],
];
const allowed =
  "import { sleep } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nexport type A = Activities;\nexport async function w(): Promise<void> {\n  await sleep('1 day');\n}\n";

const results = new Map<string, string[]>();

beforeAll(() => {
  const files = [...forbidden.map(([code]) => code), allowed].map((code, i) => {
    const file = path.join(PROJECT_ROOT, 'workflows', `lint-probe-${process.pid}-${i}.ts`);
    writeFileSync(file, code);
    return { file, code };
  });
  try {
    // A child process: ESLint loads its flat config with import(), which Jest's sandbox refuses.
    const run = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...files.map((f) => f.file)],
      { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    for (const { file, code } of files) {
      const entry = report.find((r) => r.filePath === file);
      results.set(code, (entry?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`));
    }
  } finally {
    for (const { file } of files) unlinkSync(file);
  }
});

test.each(forbidden)('workflows/: %s → reported (%s)', (code, expected) => {
  expect((results.get(code) ?? []).join('\n')).toContain(expected);
});

test('a type-only import of the activities and @temporalio/workflow are allowed', () => {
  expect(results.get(allowed)).toEqual([]);
});
