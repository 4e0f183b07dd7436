/**
 * `ccm` commands of §5.2 departments and the executive-on-duty rota, registered by src/cli/ccm.ts:
 *
 *   ccm departments list [--all]                                   departments, members, open-case load
 *   ccm departments show <code>
 *   ccm departments create <code> --name … --head <staffId>        (ADMIN)
 *   ccm departments update <code> [--name …] [--head <staffId>]    (ADMIN)
 *   ccm departments deactivate|reactivate <code> --reason …        (ADMIN)
 *   ccm departments add-member <code> <staffId> [--no-handles-feedback]   (ADMIN, SUPERVISOR)
 *   ccm departments remove-member <code> <staffId>                 (ADMIN, SUPERVISOR)
 *   ccm rota list [--from …] [--to …] [--staff <id>]
 *   ccm rota add <staffId> --starts <instant> --ends <instant>     (ADMIN, SUPERVISOR)
 *   ccm rota delete <shiftId>                                      (ADMIN, SUPERVISOR)
 *   ccm rota end <shiftId> --reason …                              (ADMIN, SUPERVISOR)
 *   ccm rota on-duty [--at …]
 *
 * The same use cases as the API (src/departments/); the actor is `--as` / CCM_STAFF_ID. No Temporal.
 */
import type { Command } from 'commander';
import { createDepartment } from '../departments/create-department';
import { deactivateDepartment } from '../departments/deactivate-department';
import { getDepartment, listDepartments } from '../departments/list-departments';
import { reactivateDepartment } from '../departments/reactivate-department';
import { removeDepartmentMember } from '../departments/remove-department-member';
import type { DepartmentView } from '../departments/repository';
import { setDepartmentMember } from '../departments/set-department-member';
import { updateDepartment } from '../departments/update-department';
import { createShift } from '../departments/create-shift';
import { deleteShift } from '../departments/delete-shift';
import { endShift } from '../departments/end-shift';
import { listShifts } from '../departments/list-shifts';
import { onDuty } from '../departments/on-duty';
import { EXECUTIVE_ROLE, type ShiftView } from '../departments/rota';
import type { Actor } from '../security/auth';
import { systemClock } from '../shared/clock';
import { out, printJson, Session, UsageError, type GlobalOptions } from './session';

export interface DepartmentCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

/** Runs `work` with a session and the acting staff member; prints `result` as JSON with --json, else with `print`. */
async function withActor<T>(globals: GlobalOptions, work: (session: Session, actor: Actor) => Promise<T>, print: (result: T) => void): Promise<number> {
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

const deps = (session: Session) => ({ db: session.db, policy: session.policy, clock: systemClock });

// ---------------------------------------------------------------------------------------------
// departments
// ---------------------------------------------------------------------------------------------

function printDepartment(d: DepartmentView): void {
  out(`${d.code}  ${d.name}${d.active ? '' : '  (INACTIVE)'}`);
  out(`  head: ${d.head.id} (${d.head.name})${d.head.active ? '' : ' INACTIVE'}; open cases: ${d.openCases}`);
  if (!d.members.length) {
    out('  no members');
    return;
  }
  const rows = d.members.map((m) => [`  ${m.staffId}`, m.name, m.handlesFeedback ? 'yes' : 'no', String(m.openCases), m.active ? m.since : `${m.since} (staff inactive)`]);
  table(['  MEMBER', 'NAME', 'HANDLES FEEDBACK', 'OPEN CASES', 'SINCE'], rows);
}

async function listCommand(options: { all?: boolean }, globals: GlobalOptions): Promise<number> {
  return withActor(
    globals,
    (session, actor) => listDepartments(deps(session), actor, options.all ? { includeInactive: 'true' } : {}),
    ({ departments }) => {
      if (!departments.length) out(options.all ? 'no departments' : 'no active departments (--all lists inactive ones too)');
      departments.forEach((d, i) => {
        if (i) out();
        printDepartment(d);
      });
    },
  );
}

function departmentCommands(program: Command, run: DepartmentCommandContext['run'], globalsOf: DepartmentCommandContext['globalsOf']): void {
  const departments = program.command('departments').description('departments feedback is routed to, their heads and members (§5.2)');
  departments
    .command('list')
    .description('the departments with their head, members, each member’s open cases, and open cases')
    .option('--all', 'inactive departments too')
    .action((options: { all?: boolean }, cmd: Command) => run(listCommand(options, globalsOf(cmd))));
  departments
    .command('show')
    .description('one department')
    .argument('<code>', 'department code, e.g. CARDS')
    .action((code: string, _o: unknown, cmd: Command) => run(withActor(globalsOf(cmd), (s, a) => getDepartment(deps(s), a, code), printDepartment)));
  departments
    .command('create')
    .description('create a department with its head (ADMIN)')
    .argument('<code>', 'department code: 2–32 upper-case letters, digits, _ (e.g. CARDS)')
    .requiredOption('--name <name>', 'its name, e.g. "Cards and payments"')
    .requiredOption('--head <staffId>', 'the head: a missed deadline escalates to them')
    .action((code: string, o: { name: string; head: string }, cmd: Command) =>
      run(
        withActor(
          globalsOf(cmd),
          (s, a) => createDepartment(deps(s), a, { code, name: o.name, headStaffId: o.head }),
          (d) => out(`department ${d.code} (${d.name}) created, head ${d.head.id}`),
        ),
      ),
    );
  departments
    .command('update')
    .description('rename a department or set its head (ADMIN)')
    .argument('<code>')
    .option('--name <name>', 'new name')
    .option('--head <staffId>', 'new head')
    .action((code: string, o: { name?: string; head?: string }, cmd: Command) => {
      if (o.name === undefined && o.head === undefined) throw new UsageError('give --name, --head or both');
      const body = { ...(o.name !== undefined ? { name: o.name } : {}), ...(o.head !== undefined ? { headStaffId: o.head } : {}) };
      return run(withActor(globalsOf(cmd), (s, a) => updateDepartment(deps(s), a, code, body), (d) => out(`department ${d.code}: name ${d.name}, head ${d.head.id}`)));
    });
  departments
    .command('deactivate')
    .description('the department stops taking feedback; refused while it has open cases (ADMIN)')
    .argument('<code>')
    .requiredOption('--reason <text>', 'why')
    .action((code: string, o: { reason: string }, cmd: Command) =>
      run(withActor(globalsOf(cmd), (s, a) => deactivateDepartment(deps(s), a, code, { reason: o.reason }), (d) => out(`department ${d.code} deactivated`))),
    );
  departments
    .command('reactivate')
    .description('an inactive department takes feedback again (ADMIN)')
    .argument('<code>')
    .requiredOption('--reason <text>', 'why')
    .action((code: string, o: { reason: string }, cmd: Command) =>
      run(withActor(globalsOf(cmd), (s, a) => reactivateDepartment(deps(s), a, code, { reason: o.reason }), (d) => out(`department ${d.code} reactivated`))),
    );
  departments
    .command('add-member')
    .description('add a member, or change whether a member handles feedback (ADMIN, SUPERVISOR)')
    .argument('<code>')
    .argument('<staffId>')
    .option('--no-handles-feedback', 'a member who is not assigned cases (e.g. the head, a specialist)')
    .action((code: string, staffId: string, o: { handlesFeedback: boolean }, cmd: Command) =>
      run(
        withActor(
          globalsOf(cmd),
          (s, a) => setDepartmentMember(deps(s), a, code, staffId, { handlesFeedback: o.handlesFeedback }),
          (r) =>
            out(
              `${r.departmentCode}: ${staffId} ${r.change === 'ADDED' ? 'added' : r.change === 'UPDATED' ? 'updated' : 'unchanged'}; handles feedback: ${r.member.handlesFeedback ? 'yes' : 'no'}; open cases: ${r.member.openCases}`,
            ),
        ),
      ),
    );
  departments
    .command('remove-member')
    .description('remove a member; the cases they hold stay theirs until reassigned (ADMIN, SUPERVISOR)')
    .argument('<code>')
    .argument('<staffId>')
    .action((code: string, staffId: string, _o: unknown, cmd: Command) =>
      run(
        withActor(
          globalsOf(cmd),
          (s, a) => removeDepartmentMember(deps(s), a, code, staffId),
          (r) => out(`${r.departmentCode}: ${staffId} removed${r.openCasesStillAssigned ? `; still holds ${r.openCasesStillAssigned} open case(s): reassign them` : ''}`),
        ),
      ),
    );
}

// ---------------------------------------------------------------------------------------------
// rota
// ---------------------------------------------------------------------------------------------

const shiftLine = (s: ShiftView) => `shift ${s.id}: ${s.staffId} (${s.staffName}) ${s.startsAt} → ${s.endsAt} ${s.state}`;

function rotaCommands(program: Command, run: DepartmentCommandContext['run'], globalsOf: DepartmentCommandContext['globalsOf']): void {
  const rota = program.command('rota').description('the executive-on-duty rota: who the escalation after a missed deadline goes to (§5.2)');
  rota
    .command('list')
    .description('shifts overlapping a window, earliest first (default: from now for 31 days)')
    .option('--from <when>', 'YYYY-MM-DD (bank time zone) or an ISO instant')
    .option('--to <when>', 'YYYY-MM-DD (bank time zone) or an ISO instant')
    .option('--staff <staffId>', 'one executive’s shifts')
    .action((o: { from?: string; to?: string; staff?: string }, cmd: Command) => {
      const query = { ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}), ...(o.staff !== undefined ? { staffId: o.staff } : {}) };
      return run(
        withActor(
          globalsOf(cmd),
          (s, a) => listShifts(deps(s), a, query),
          (page) => {
            if (!page.shifts.length) out(`no shifts between ${page.from} and ${page.to}`);
            else table(['SHIFT', 'EXECUTIVE', 'NAME', 'STARTS', 'ENDS', 'STATE'], page.shifts.map((s) => [s.id, s.staffId, s.staffName, s.startsAt, s.endsAt, s.state]));
            if (page.truncated) out('more shifts in this window: narrow it with --from/--to');
          },
        ),
      );
    });
  rota
    .command('add')
    .description(`put an executive (${EXECUTIVE_ROLE}) on duty for [starts, ends); refused if it overlaps a shift (ADMIN, SUPERVISOR)`)
    .argument('<staffId>')
    .requiredOption('--starts <instant>', 'ISO instant with a zone, e.g. 2026-12-07T08:00:00-05:00')
    .requiredOption('--ends <instant>', 'ISO instant with a zone')
    .action((staffId: string, o: { starts: string; ends: string }, cmd: Command) =>
      run(withActor(globalsOf(cmd), (s, a) => createShift(deps(s), a, { staffId, startsAt: o.starts, endsAt: o.ends }), (shift) => out(`added ${shiftLine(shift)}`))),
    );
  rota
    .command('delete')
    .description('take a shift that has not started off the rota (ADMIN, SUPERVISOR)')
    .argument('<shiftId>')
    .action((id: string, _o: unknown, cmd: Command) => run(withActor(globalsOf(cmd), (s, a) => deleteShift(deps(s), a, id), (r) => out(`deleted ${shiftLine(r.deleted)}`))));
  rota
    .command('end')
    .description('cut a shift in progress short, now (ADMIN, SUPERVISOR)')
    .argument('<shiftId>')
    .requiredOption('--reason <text>', 'why')
    .action((id: string, o: { reason: string }, cmd: Command) =>
      run(withActor(globalsOf(cmd), (s, a) => endShift(deps(s), a, id, { reason: o.reason }), (shift) => out(`ended ${shiftLine(shift)}`))),
    );
  rota
    .command('on-duty')
    .description('who is on duty now or at an instant; the fallback (every active SUPERVISOR, else ADMIN) when nobody is on the rota')
    .option('--at <when>', 'YYYY-MM-DD (bank time zone) or an ISO instant (default now)')
    .action((o: { at?: string }, cmd: Command) =>
      run(
        withActor(
          globalsOf(cmd),
          (s, a) => onDuty(deps(s), a, o.at !== undefined ? { at: o.at } : {}),
          (d) => {
            if (d.source === 'ROTA') out(`${d.at}: ${d.escalateTo[0]!.id} (${d.escalateTo[0]!.name}) is on duty (shift ${d.shift!.id}, ${d.shift!.startsAt} → ${d.shift!.endsAt})`);
            else {
              out(`${d.at}: ${d.reason}`);
              out(`escalations go to: ${d.escalateTo.map((p) => p.id).join(', ') || 'nobody'} (${d.source})`);
            }
          },
        ),
      ),
    );
}

export function registerDepartmentCommands({ program, run, globalsOf }: DepartmentCommandContext): void {
  departmentCommands(program, run, globalsOf);
  rotaCommands(program, run, globalsOf);
}
