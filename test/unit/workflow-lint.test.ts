/**
 * workflows/ must stay deterministic (Temporal replays it): the ESLint configuration forbids Node
 * built-ins, the database, mail, other Temporal packages and timers there. This pipes probe sources
 * to ESLint as if they were files in workflows/ (nothing is written to disk) and checks that each
 * forbidden thing is reported on its own line, and that the allowed imports are not.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal/binaries';

jest.setTimeout(120_000);

const forbidden: [string, string][] = [
  ["import { readFileSync } from 'node:fs';", 'no Node built-ins'],
  ["import crypto from 'crypto';", 'no Node built-ins'],
  ["import { PrismaPg } from '@prisma/adapter-pg';", 'must not touch the database'],
  ["import { createDb } from '../src/db/client';", 'must not touch the database'],
  ["import nodemailer from 'nodemailer';", 'must not send mail'],
  ["import { createActivities } from '../activities';", 'proxyActivities'],
  ["import { Client } from '@temporalio/client';", 'only @temporalio/workflow'],
  ['setTimeout(() => undefined, 10);', 'Use sleep()'],
];
const forbiddenSource = `${forbidden.map(([line]) => line).join('\n')}\nexport const used = [readFileSync, crypto, PrismaPg, createDb, nodemailer, createActivities, Client];\n`;
const allowedSource =
  "import { sleep } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nexport type A = Activities;\nexport async function w(): Promise<void> {\n  await sleep('1 day');\n}\n";

interface Message {
  line: number;
  ruleId: string | null;
  message: string;
}

/** Lints `source` as workflows/__lint_probe__<name>.ts, in a child process (ESLint loads its config with import()). */
function lintAsWorkflow(name: string, source: string): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', `workflows/__lint_probe__${name}.ts`],
      { cwd: PROJECT_ROOT },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const [result] = JSON.parse(out) as { messages: Message[] }[];
        resolve(result?.messages ?? []);
      } catch (err) {
        reject(new Error(`eslint gave no JSON: ${out.slice(0, 500)} (${String(err)})`));
      }
    });
    child.stdin.end(source);
  });
}

let forbiddenMessages: Message[];
let allowedMessages: Message[];

beforeAll(async () => {
  [forbiddenMessages, allowedMessages] = await Promise.all([lintAsWorkflow('forbidden', forbiddenSource), lintAsWorkflow('allowed', allowedSource)]);
});

test.each(forbidden.map(([line, expected], i) => [line, expected, i + 1] as const))('workflows/: %s → reported (%s)', (_line, expected, lineNo) => {
  const onLine = forbiddenMessages.filter((m) => m.line === lineNo).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
  expect(onLine.join('\n')).toContain(expected);
});

test('a type-only import of the activities and @temporalio/workflow are allowed', () => {
  expect(allowedMessages).toEqual([]);
});
