/**
 * `ccm training …`: §7.1 staff training, registered by src/cli/ccm.ts:
 *
 *   ccm training programmes list [--kind FOUNDATION|ADVANCED]      any staff member (the foundation course is seeded on first use)
 *   ccm training programmes show <code>
 *   ccm training programmes add --file <programme.json>           ADMIN: an advanced course (the body of POST /training/programmes)
 *   ccm training programmes update <code> --file <changes.json>   ADMIN: the body of PATCH /training/programmes/:code
 *   ccm training programmes deactivate <code>                     ADMIN
 *   ccm training seed                                             the foundation course from the policy (idempotent)
 *   ccm training enrol <staffId> --programme <code> [--starts-on YYYY-MM-DD] [--manager <id>] [--trainer <id>]   ADMIN, SUPERVISOR
 *   ccm training complete <staffId> <programme> <module> [--score 0-100] [--notes …]   the trainer, SUPERVISOR, ADMIN
 *   ccm training show <staffId>                                   the staff member, SUPERVISOR, ADMIN: gate, modules, certificates
 *   ccm training schedule ensure|show|trigger                     the §7.1 yearly check's Schedule (ADMIN for ensure/trigger)
 *
 * The same use cases as the API (src/training/): the same validation, role checks, refusals (with their
 * reason, exit 1) and audit records; the actor is `--as` / CCM_STAFF_ID; `--json` prints the answer.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { requireRole } from '../security/auth';
import { systemClock } from '../shared/clock';
import { log, out, printJson, Session, UsageError, type GlobalOptions } from './session';

import type * as ProgrammesModule from '../training/programmes';
import type * as EnrolModule from '../training/enrol';
import type * as CompletionModule from '../training/record-completion';
import type * as ShowModule from '../training/get-training';
import type * as ScheduleModule from '../training/schedule';
import type { EnrolmentView } from '../training/views';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  programmes: () => require('../training/programmes') as typeof ProgrammesModule,
  enrol: () => require('../training/enrol') as typeof EnrolModule,
  completion: () => require('../training/record-completion') as typeof CompletionModule,
  show: () => require('../training/get-training') as typeof ShowModule,
  schedule: () => require('../training/schedule') as typeof ScheduleModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface TrainingCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

type ProgrammeView = ProgrammesModule.ProgrammeView;

function jsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--file ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--file ${file} is not JSON: ${(err as Error).message}`);
  }
}

const scoreOf = (text: string): number => {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) throw new UsageError(`--score must be a whole number 0–100, got ${JSON.stringify(text)}`);
  return Number(text);
};

function programmeLines(p: ProgrammeView): string[] {
  return [
    `${p.code}  ${p.kind}${p.topic ? ` ${p.topic}` : ''}  ${p.provider}  ${p.weeks} week${p.weeks === 1 ? '' : 's'}${p.active ? '' : '  INACTIVE'}${p.trainerStaffId ? `  trainer ${p.trainerStaffId}` : ''}  — ${p.name}`,
    ...p.modules.map((m) => `  ${m.seq}. ${m.code}  ${m.delivery}  week ${m.week}${m.weeks > 1 ? `–${m.week + m.weeks - 1}` : ''}${m.assessed ? `  assessed (pass ${m.passScore ?? 'policy'})` : ''}  — ${m.title}`),
  ];
}

function enrolmentLines(e: EnrolmentView): string[] {
  return [
    `${e.programmeCode}  ${e.status}  starts ${e.startsOn}  manager ${e.managerStaffId}${e.trainerStaffId ? `  trainer ${e.trainerStaffId}` : ''}  workflow ${e.workflowId}${e.certificate ? `  certificate ${e.certificate.id}` : ''}`,
    ...e.modules.map((m) => `  ${m.code}  ${m.status}${m.dueAt ? `  due ${m.dueAt}` : ''}${m.escalatedAt ? `  escalated ${m.escalatedAt}` : ''}${m.score !== null ? `  score ${m.score}` : ''}${m.failedAttempts ? `  failed attempts ${m.failedAttempts}` : ''}`),
  ];
}

/** Runs `work` with a session and the acting staff member; prints JSON with --json, else with `print`. */
async function withSession<T>(globals: GlobalOptions, work: (session: Session, actor: Awaited<ReturnType<Session['actor']>>) => Promise<T>, print: (result: T) => void): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const result = await work(session, actor);
    if (globals.json) printJson(result);
    else print(result);
    return 0;
  } finally {
    await session.close();
  }
}

export function registerTrainingCommands({ program, run, globalsOf }: TrainingCommandContext): void {
  const training = program.command('training').description('§7.1 staff training: programmes, enrolments, module completions, the §3.1 gate');
  const programmes = training.command('programmes').description('training programmes (ADMIN manages; anyone reads)');
  const deps = (s: Session) => ({ db: s.db, policy: s.policy, clock: systemClock });

  programmes
    .command('list')
    .description('the programmes and their modules')
    .option('--kind <kind>', 'FOUNDATION or ADVANCED')
    .action((o: { kind?: string }, cmd: Command) =>
      run(withSession(globalsOf(cmd), (s, actor) => onDemand.programmes().listProgrammes(deps(s), actor, o.kind ? { kind: o.kind.toUpperCase() } : {}), (r) => r.items.flatMap(programmeLines).forEach((l) => out(l)))),
    );
  programmes
    .command('show')
    .argument('<code>')
    .description('one programme with its modules')
    .action((code: string, _o: unknown, cmd: Command) => run(withSession(globalsOf(cmd), (s, actor) => onDemand.programmes().getProgramme(deps(s), actor, code), (p) => programmeLines(p).forEach((l) => out(l)))));
  programmes
    .command('add')
    .description('create an advanced course from a JSON file (the body of POST /training/programmes) (ADMIN)')
    .requiredOption('--file <programme.json>', 'code, name, kind ADVANCED, topic, provider, weeks, modules[], trainerStaffId?')
    .action((o: { file: string }, cmd: Command) =>
      run(withSession(globalsOf(cmd), (s, actor) => onDemand.programmes().createProgramme(deps(s), actor, jsonFile(o.file)), (p) => { out(`created ${p.code}`); programmeLines(p).forEach((l) => out(l)); })),
    );
  programmes
    .command('update')
    .argument('<code>')
    .description('change a programme from a JSON file (the body of PATCH /training/programmes/:code) (ADMIN)')
    .requiredOption('--file <changes.json>', 'name?, provider?, weeks?, trainerStaffId?, modules?, active: true?')
    .action((code: string, o: { file: string }, cmd: Command) =>
      run(withSession(globalsOf(cmd), (s, actor) => onDemand.programmes().updateProgramme(deps(s), actor, code, jsonFile(o.file)), (p) => programmeLines(p).forEach((l) => out(l)))),
    );
  programmes
    .command('deactivate')
    .argument('<code>')
    .description('deactivate an advanced course (never deleted) (ADMIN)')
    .action((code: string, _o: unknown, cmd: Command) => run(withSession(globalsOf(cmd), (s, actor) => onDemand.programmes().deactivateProgramme(deps(s), actor, code), (p) => out(`${p.code} deactivated`))));

  training
    .command('seed')
    .description('create the foundation course from the policy if it does not exist (idempotent; also done on first use) (ADMIN)')
    .action((_o: unknown, cmd: Command) =>
      run(
        withSession(
          globalsOf(cmd),
          async (s, actor) => {
            requireRole(actor, 'ADMIN');
            const created = await onDemand.programmes().ensureFoundationProgramme(s.db, s.policy, actor.staffId);
            return { created, programme: await onDemand.programmes().getProgramme(deps(s), actor, 'FOUNDATION') };
          },
          (r) => {
            out(r.created ? 'foundation course created from the policy' : 'foundation course exists already: nothing changed');
            programmeLines(r.programme).forEach((l) => out(l));
          },
        ),
      ),
    );

  training
    .command('enrol')
    .argument('<staffId>')
    .description('enrol a staff member: starts the training workflow training-<staffId>-<programme> (ADMIN, SUPERVISOR)')
    .requiredOption('--programme <code>', 'e.g. FOUNDATION')
    .option('--starts-on <date>', 'the course’s first day, YYYY-MM-DD (default next Monday)')
    .option('--manager <staffId>', 'reminded with the trainee, told of overdue modules (default: their department head, else a SUPERVISOR)')
    .option('--trainer <staffId>', 'records the completions (default: the programme’s trainer)')
    .action((staffId: string, o: { programme: string; startsOn?: string; manager?: string; trainer?: string }, cmd: Command) =>
      run(
        withSession(
          globalsOf(cmd),
          async (s, actor) => {
            const temporal = await s.temporal();
            const body = { programmeCode: o.programme.toUpperCase(), ...(o.startsOn ? { startsOn: o.startsOn } : {}), ...(o.manager ? { managerStaffId: o.manager } : {}), ...(o.trainer ? { trainerStaffId: o.trainer } : {}) };
            return onDemand.enrol().enrol({ ...deps(s), temporal, taskQueue: s.env.TASK_QUEUE }, actor, staffId, body);
          },
          (e) => {
            out(`${staffId} enrolled in ${e.programmeCode}; workflow ${e.workflowId} ${e.start === 'DEFERRED' ? 'starts once Temporal answers' : 'started'}`);
            enrolmentLines(e).forEach((l) => out(l));
          },
        ),
      ),
    );

  training
    .command('complete')
    .argument('<staffId>')
    .argument('<programme>')
    .argument('<module>')
    .description('record a module done, with its score where it is assessed (the trainer, SUPERVISOR, ADMIN)')
    .option('--score <n>', 'the assessment score 0–100 (assessed modules)', scoreOf)
    .option('--notes <text>', 'notes kept on the module')
    .action((staffId: string, programme: string, module: string, o: { score?: number; notes?: string }, cmd: Command) =>
      run(
        withSession(
          globalsOf(cmd),
          async (s, actor) => {
            const temporal = await s.temporalIfUp('the module is recorded; the training workflow picks it up at its next step');
            const body = { ...(o.score !== undefined ? { score: o.score } : {}), ...(o.notes ? { notes: o.notes } : {}) };
            return onDemand.completion().recordModuleCompletion({ ...deps(s), ...(temporal ? { temporal } : {}) }, actor, staffId, programme.toUpperCase(), module.toUpperCase(), body);
          },
          (r) => {
            out(r.passed ? `${staffId}: module ${r.moduleCode} DONE` : `${staffId}: module ${r.moduleCode} not passed (attempt recorded); it stays open`);
            enrolmentLines(r.enrolment).forEach((l) => out(l));
          },
        ),
      ),
    );

  training
    .command('show')
    .argument('<staffId>')
    .description("a staff member's training: the foundation course and the §3.1 gate, enrolments, certificates, the year's advanced courses")
    .action((staffId: string, _o: unknown, cmd: Command) =>
      run(
        withSession(
          globalsOf(cmd),
          (s, actor) => onDemand.show().getStaffTraining(deps(s), actor, staffId),
          (t) => {
            out(`${t.staffId}: foundation ${t.foundation.complete ? `complete (${t.foundation.completedAt}, ${t.foundation.how})` : 'NOT complete'}`);
            if (t.gate.reason) out(`  gate: ${t.gate.reason}`);
            t.enrolments.flatMap(enrolmentLines).forEach((l) => out(`  ${l}`));
            out(`  advanced ${t.advanced.year}: ${t.advanced.completed} of ${t.advanced.required}${t.advanced.behind ? ' (behind the pace)' : ''}`);
          },
        ),
      ),
    );

  const schedule = training.command('schedule').description('the §7.1 yearly advanced-course check (Temporal Schedule training-yearly)');
  for (const verb of ['ensure', 'show', 'trigger'] as const) {
    schedule
      .command(verb)
      .description(verb === 'ensure' ? 'create or update the Schedule (ADMIN)' : verb === 'show' ? 'the Schedule: calendar, next and recent runs' : 'run the check now (ADMIN)')
      .action((_o: unknown, cmd: Command) =>
        run(
          withSession(
            globalsOf(cmd),
            async (s, actor) => {
              if (verb !== 'show') requireRole(actor, 'ADMIN');
              const temporal = await s.temporal();
              const m = onDemand.schedule();
              if (verb === 'ensure') return m.ensureTrainingSchedule(temporal, { policy: s.policy, taskQueue: s.env.TASK_QUEUE });
              if (verb === 'trigger') {
                await m.triggerTrainingSchedule(temporal);
                log(`schedule ${m.TRAINING_SCHEDULE_ID}: a check was started`);
              }
              return m.describeTrainingSchedule(temporal);
            },
            (v) => {
              out(`schedule ${v.scheduleId}${v.outcome ? `: ${v.outcome}` : ''}${v.paused ? ' (PAUSED)' : ''}; time zone ${v.timezone ?? 'UTC'}`);
              for (const c of v.calendar) out(`  ${c}`);
              out(`  next runs: ${v.nextRuns.slice(0, 3).join(', ') || 'none'}`);
            },
          ),
        ),
      );
  }
}
