/**
 * trainingEnrolment (workflow id `training-<staffId>-<programme>`, §7.1): a staff member's course,
 * from enrolment to certificate. Started by the enrolment use case through the outbox
 * (src/training/enrol.ts).
 *
 *   plan the modules (tasks + reminder records) ─► sleep until the next module's step, or a message
 *        ─► REMIND: the trainee and their manager, before the module begins
 *        ─► ESCALATE: the module is overdue — its reminder escalates to the manager
 *        ─► moduleCompleted: re-read the progress; every module done ─► certificate (and, for the
 *           foundation course, the §3.1 gate lifted) ─► end
 *
 * The database is the truth: the trainer's use case closes the module's task before it signals, and
 * every step re-reads the task first (a module done early is never reminded or escalated); a lost
 * signal is caught up at the next step or at the daily re-read once no step is left. Calendar
 * arithmetic runs in the planning activity (its result is in history). Continues-as-new when
 * Temporal suggests it, after its handlers finish, carrying the plain-JSON state.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { TrainingActivities } from '../../activities/training';
import { SA } from '../../src/temporal/search-attributes';
import { EMAIL, RECORD } from '../activity-options';
import { failedForGood, needsAttention, NEEDS_ATTENTION } from '../needs-attention';
import { moduleCompletedSignal, nextModuleStep, statusOf, trainingStateQuery, type ModulePlan, type TrainingInput, type TrainingState } from './definitions';

/** Once no reminder or escalation is left, the progress is re-read this often (a signal lost while Temporal was away). Not a policy number: a safety net. */
export const RECHECK_MS = 24 * 60 * 60 * 1000;

const acts = {
  planTraining: proxyActivities<TrainingActivities>({ ...RECORD, summary: 'plan the modules: tasks and reminder records (§7.1)' }).planTraining,
  remindModule: proxyActivities<TrainingActivities>({ ...EMAIL, summary: 'remind the trainee and their manager before the module (§7.1)' }).remindModule,
  escalateModule: proxyActivities<TrainingActivities>({ ...EMAIL, summary: 'module overdue: escalate to the manager (§7.1)' }).escalateModule,
  trainingProgress: proxyActivities<TrainingActivities>({ ...RECORD, summary: 'read which modules are done (§7.1)' }).trainingProgress,
  completeTraining: proxyActivities<TrainingActivities>({ ...EMAIL, summary: 'issue the certificate; foundation: lift the §3.1 gate (§7.1)' }).completeTraining,
};

export async function trainingEnrolment(input: TrainingInput): Promise<TrainingState> {
  const { workflowId } = workflowInfo();
  let state: TrainingState | undefined = input.state;
  let signalled = 0;
  setHandler(trainingStateQuery, () => state);
  setHandler(moduleCompletedSignal, (m) => {
    if (m && typeof m.moduleCode === 'string') signalled += 1;
  });

  if (!state) {
    const plan = await acts.planTraining({ enrolmentId: input.enrolmentId, workflowId });
    state = { enrolmentId: input.enrolmentId, staffId: input.staffId, programmeCode: input.programmeCode, kind: plan.kind, status: 'IN_PROGRESS', policyVersion: plan.policyVersion, modules: plan.modules, counters: { reminders: 0, escalations: 0, runs: 1 } };
  } else {
    state.counters.runs += 1;
  }
  const s: TrainingState = state;
  reflect(s);

  while (!s.certificateId) {
    if (s.modules.every((m) => m.done)) {
      await run('completeTraining', async () => {
        const done = await acts.completeTraining({ enrolmentId: s.enrolmentId });
        s.certificateId = done.certificateId;
      });
      reflect(s);
      if (!s.certificateId) await condition(() => signalled > 0, RECHECK_MS, { summary: 're-try the certificate after a failure' });
      continue;
    }
    if (signalled > 0) {
      signalled = 0;
      await syncProgress(s);
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof trainingEnrolment>({ ...input, state: s });
    }
    const next = nextModuleStep(s);
    const wait = next ? Math.max(0, Date.parse(next.step.at) - Date.now()) : RECHECK_MS;
    const summary = next ? (next.step.step === 'REMIND' ? `reminder before module ${next.moduleCode} (§7.1)` : `module ${next.moduleCode} overdue: escalation (§7.1)`) : 'daily re-read of the progress (§7.1)';
    if (await condition(() => signalled > 0, wait, { summary })) continue;
    if (!next) {
      await syncProgress(s);
      continue;
    }
    const m = s.modules.find((x) => x.code === next.moduleCode)!;
    m.steps.shift();
    await runStep(s, m, next.step.step);
    reflect(s);
  }
  return s;

  async function syncProgress(st: TrainingState): Promise<void> {
    await run('trainingProgress', async () => {
      const { done } = await acts.trainingProgress({ enrolmentId: st.enrolmentId });
      for (const m of st.modules) if (done.includes(m.code)) m.done = true;
    });
    reflect(st);
  }

  async function runStep(st: TrainingState, m: ModulePlan, step: 'REMIND' | 'ESCALATE'): Promise<void> {
    await run(step === 'REMIND' ? 'remindModule' : 'escalateModule', async () => {
      const r = { enrolmentId: st.enrolmentId, moduleCode: m.code, at: new Date(Date.now()).toISOString() };
      const outcome = step === 'REMIND' ? await acts.remindModule(r) : await acts.escalateModule(r);
      if (outcome.done) m.done = true;
      else if (step === 'REMIND') st.counters.reminders += 1;
      else {
        m.escalated = true;
        st.counters.escalations += 1;
      }
    });
  }

  /** One step; a failure no retry can fix is recorded once (NEEDS_ATTENTION) and the course goes on (issue 7). */
  async function run(name: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      if (state?.attention?.step === name) state.attention = undefined;
    } catch (err) {
      const failure = failedForGood(err);
      if (!failure || !state) throw err;
      state.attention = await needsAttention(name, failure);
    }
  }
}

/** The Temporal UI's view: search attributes (existing keys only) and current details (ids, codes, times). */
function reflect(s: TrainingState): void {
  s.status = statusOf(s);
  const nextDue = s.modules.filter((m) => !m.done).map((m) => m.dueAt).sort()[0];
  upsertSearchAttributes([
    { key: SA.BusinessStatus, value: s.attention && s.status !== 'COMPLETED' ? NEEDS_ATTENTION : s.status },
    { key: SA.DueAt, value: nextDue ? new Date(nextDue) : null },
    { key: SA.PolicyVersion, value: s.policyVersion },
  ]);
  setCurrentDetails(
    [
      `**Training ${s.programmeCode}** (${s.kind}) of staff ${s.staffId} · enrolment ${s.enrolmentId} · policy ${s.policyVersion}`,
      `Status **${s.status}**${s.attention ? ` · NEEDS_ATTENTION (${s.attention.step}: ${s.attention.errorType})` : ''}${s.certificateId ? ` · certificate ${s.certificateId}` : ''}`,
      ...s.modules.map((m) => `Module ${m.code}: ${m.done ? 'DONE' : m.escalated ? 'OVERDUE (escalated)' : 'open'} · opens ${m.opensAt} · due ${m.dueAt} · overdue ${m.overdueAt}`),
      `Reminders ${s.counters.reminders} · escalations ${s.counters.escalations} · run ${s.counters.runs}`,
    ].join('\n\n'),
  );
}
