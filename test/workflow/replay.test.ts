/**
 * Replay: every history recorded from a released workflow version (test/workflow/histories/<label>/,
 * written by test/workflow/record-histories.ts) replays without non-determinism against today's
 * workflow code. A change to onboarding (§2.3) or staffReminder (§5.2) that alters the sequence of
 * commands without a `patched()` guard fails here, before it can break a running process on deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../support/fixtures';

const ROOT = path.join(__dirname, 'histories');
const files = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(ROOT, d.name)).filter((f) => f.endsWith('.json')).map((f) => path.join(d.name, f)))
  .sort();

export const loadHistory = (file: string) => temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')));

test('there are recorded histories of both released workflows', () => {
  expect(files.some((f) => f.endsWith('.onboarding.json'))).toBe(true);
  expect(files.some((f) => f.endsWith('.staffReminder.json'))).toBe(true);
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, loadHistory(file), path.basename(file, '.json'));
});
