/**
 * Replay: every history recorded from a released workflow version (test/workflow/histories/<label>/,
 * written by test/workflow/record-histories.ts) replays without non-determinism against today's
 * workflow code. A change to onboarding (§2.3), staffReminder (§5.2), staffDigest, customerLifecycle (§3.2, §5.1) or feedbackCase (§5.2) that alters the sequence of
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

/** The patch ids whose markers a history recorded (the SDK's internal markers left out). */
function patchesIn(history: temporal.api.history.v1.History): string[] {
  return (history.events ?? []).flatMap((e) =>
    (e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [])
      .map((p) => (JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8')) as { id: string }).id)
      .filter((id) => !id.startsWith('__sdk')),
  );
}

/** The workflow types the worker runs: every export of workflows/index.ts (read from the source, so a new one is seen). */
const workflowTypes = [...readFileSync(path.join(__dirname, '..', '..', 'workflows', 'index.ts'), 'utf8').matchAll(/^export \{([^}]+)\}/gm)].flatMap((m) =>
  m[1]!.split(',').map((name) => name.trim()),
);

test('there are recorded histories of every released workflow', () => {
  for (const type of ['onboarding', 'staffReminder', 'customerLifecycle', 'staffDigest', 'feedbackCase', 'riskPortfolio', 'trainingEnrolment', 'trainingYearCheck', 'staffAssessment', 'staffAssessmentScheduled']) {
    expect(files.filter((f) => f.endsWith(`.${type}.json`)).length).toBeGreaterThan(0);
  }
  // Issue 13 "safe deploys of workflow code": no workflow type the worker runs is without one.
  expect(workflowTypes.length).toBeGreaterThanOrEqual(10);
  expect(workflowTypes.filter((type) => !files.some((f) => f.endsWith(`.${type}.json`)))).toEqual([]);
  // The patches of the released workflows: issue 7's decision order, issue 8's hand-off to the lifecycle.
  const recorded = new Set(files.filter((f) => f.startsWith('v3/')).flatMap((f) => patchesIn(loadHistory(f))));
  expect([...recorded].sort()).toEqual(expect.arrayContaining(['onboarding-record-then-answer', 'onboarding-starts-lifecycle']));
  // Issue 8's local activities in the lifecycle (v3 histories replay the branch without them).
  const v4 = new Set(files.filter((f) => f.startsWith('v4/')).flatMap((f) => patchesIn(loadHistory(f))));
  expect([...v4]).toContain('lifecycle-local-activities');
  // Issue 10's §6 risk in the lifecycle (v4 histories replay the branch without it).
  const v5 = new Set(files.filter((f) => f.startsWith('v5/')).flatMap((f) => patchesIn(loadHistory(f))));
  expect([...v5]).toContain('lifecycle-risk');
  // Issue 9's two timers per rung of the feedback ladder (v4 histories replay the branch with one).
  const v6 = new Set(files.filter((f) => f.startsWith('v6/')).flatMap((f) => patchesIn(loadHistory(f))));
  expect([...v6]).toContain('feedback-two-stage-timers');
});

test.each(files)('%s replays on the current workflow code', async (file) => {
  await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, loadHistory(file), path.basename(file, '.json'));
});
