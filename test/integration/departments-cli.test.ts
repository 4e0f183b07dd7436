/**
 * `ccm departments …` and `ccm rota …` end to end: the real CLI (`node bin/ccm.js …`, a child process)
 * against this file's PostgreSQL database, as an operator uses it (§5.2 departments, heads, members and
 * the executive-on-duty rota; §3.1 roles and audit). What is asserted is what the operator sees —
 * exit code, stdout, the one-line error on stderr — and what was written.
 */
import type { Db } from '../../src/db/client';
import { ccmRunner, staffMembers } from '../support/cli';
import { testDb } from '../support/fixtures';

const ADMIN = 'adm-dc';
const SUP = 'sup-dc';
const EXEC = 'exec-dc';
const CS = 'cs-dc';
const H1 = 'h1-dc';
const H2 = 'h2-dc';

let db: Db;
const ccm = ccmRunner();

const auditActions = async (entityId: string) => (await db.auditLog.findMany({ where: { entityId }, orderBy: { id: 'asc' } })).map((a) => [a.action, a.actorStaffId]);

const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

beforeAll(async () => {
  db = testDb();
  await staffMembers(db, { [ADMIN]: ['ADMIN'], [SUP]: ['SUPERVISOR'], [EXEC]: ['SUPERVISOR'], [CS]: ['CUSTOMER_SERVICE'], [H1]: ['CUSTOMER_SERVICE'], [H2]: ['CUSTOMER_SERVICE'] });
});

afterAll(() => db?.$disconnect());

describe('ccm departments', () => {
  test('create (ADMIN), add members (SUPERVISOR), list with the open-case load, update, remove — each change audited under the acting staff member', async () => {
    const created = await ccm(['--as', ADMIN, 'departments', 'create', 'CARDS', '--name', 'Cards and payments', '--head', SUP]);
    expect([created.code, created.stdout, created.stderr]).toEqual([0, `department CARDS (Cards and payments) created, head ${SUP}\n`, '']);

    const [a, b] = await Promise.all([ccm(['--as', SUP, 'departments', 'add-member', 'CARDS', H1]), ccm(['--as', SUP, 'departments', 'add-member', 'CARDS', SUP, '--no-handles-feedback'])]);
    expect([a.code, a.stdout]).toEqual([0, `CARDS: ${H1} added; handles feedback: yes; open cases: 0\n`]);
    expect([b.code, b.stdout]).toEqual([0, `CARDS: ${SUP} added; handles feedback: no; open cases: 0\n`]);
    const again = await ccm(['--as', ADMIN, 'departments', 'add-member', 'CARDS', H1]);
    expect([again.code, again.stdout]).toEqual([0, `CARDS: ${H1} unchanged; handles feedback: yes; open cases: 0\n`]);

    await db.task.create({
      data: { id: 'feedback:FB-2026-000001', kind: 'FEEDBACK_CASE', subject: 'feedback FB-2026-000001', assigneeStaffId: H1, dueAt: new Date(Date.now() + 86_400_000), workflowId: 'feedback-FB-2026-000001', policyVersion: 'test' },
    });
    const listed = await ccm(['--as', CS, 'departments', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('CARDS  Cards and payments');
    expect(lines[1]).toBe(`  head: ${SUP} (Staff ${SUP}); open cases: 0`);
    expect(lines[2]).toMatch(/^ {2}MEMBER\s+NAME\s+HANDLES FEEDBACK\s+OPEN CASES\s+SINCE$/);
    expect(lines[3]).toMatch(new RegExp(`^  ${H1}\\s+Staff ${H1}\\s+yes\\s+1\\s+\\d{4}-\\d{2}-\\d{2}T`));
    expect(lines[4]).toMatch(new RegExp(`^  ${SUP}\\s+Staff ${SUP}\\s+no\\s+0\\s+`));

    const json = await ccm(['--as', CS, '--json', 'departments', 'show', 'CARDS']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ code: 'CARDS', head: { id: SUP }, members: [{ staffId: H1, openCases: 1 }, { staffId: SUP, handlesFeedback: false }] });

    const updated = await ccm(['--as', ADMIN, 'departments', 'update', 'CARDS', '--head', EXEC]);
    expect([updated.code, updated.stdout]).toEqual([0, `department CARDS: name Cards and payments, head ${EXEC}\n`]);
    const removed = await ccm(['--as', SUP, 'departments', 'remove-member', 'CARDS', H1]);
    expect([removed.code, removed.stdout]).toEqual([0, `CARDS: ${H1} removed; still holds 1 open case(s): reassign them\n`]);

    expect(await auditActions('CARDS')).toEqual([
      ['department.create', ADMIN],
      ['department.update', ADMIN],
    ]);
    expect(await auditActions(`CARDS:${H1}`)).toEqual([
      ['department.member.add', SUP],
      ['department.member.remove', SUP],
    ]);
  });

  test('refused: another role (403 → exit 1), bad input naming the field, an unknown department, nothing to update (usage, exit 2), no acting staff member; nothing written', async () => {
    const before = await db.auditLog.count();
    const departments = await db.department.count();
    const results = await Promise.all([
      ccm(['--as', CS, 'departments', 'create', 'LOANS', '--name', 'Loans', '--head', SUP]),
      ccm(['--as', ADMIN, 'departments', 'create', 'loans', '--name', ' ', '--head', SUP]),
      ccm(['--as', ADMIN, 'departments', 'create', 'LOANS', '--name', 'Loans', '--head', 'nobody']),
      ccm(['--as', ADMIN, 'departments', 'add-member', 'NO_SUCH', H2]),
      ccm(['--as', ADMIN, 'departments', 'update', 'CARDS']),
      ccm(['departments', 'list']),
    ]);
    expect(results.map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [1, '', `ccm: requires one of the roles ADMIN; staff member ${CS} has CUSTOMER_SERVICE\n`],
      [1, '', 'ccm: code: a code of 2–32 characters: upper-case letters, digits and _, starting with a letter (e.g. CARDS) (got "loans"); name: must not be blank (got " ")\n'],
      [1, '', 'ccm: headStaffId: no such staff member (got "nobody")\n'],
      [1, '', 'ccm: department NO_SUCH does not exist\n'],
      [2, '', 'ccm: give --name, --head or both\n'],
      [2, '', 'ccm: who is acting? give --as <staffId> or set CCM_STAFF_ID\n'],
    ]);
    expect(await db.auditLog.count()).toBe(before);
    expect(await db.department.count()).toBe(departments);
  });

  test('deactivate and reactivate with a reason; deactivating twice is refused with the reason', async () => {
    expect((await ccm(['--as', ADMIN, 'departments', 'create', 'BRANCH', '--name', 'Branch service', '--head', SUP])).code).toBe(0);
    const off = await ccm(['--as', ADMIN, 'departments', 'deactivate', 'BRANCH', '--reason', 'merged into CARDS']);
    expect([off.code, off.stdout]).toEqual([0, 'department BRANCH deactivated\n']);
    const twice = await ccm(['--as', ADMIN, 'departments', 'deactivate', 'BRANCH', '--reason', 'again']);
    expect([twice.code, twice.stderr]).toEqual([1, 'ccm: department BRANCH is inactive already\n']);
    const list = await ccm(['--as', CS, 'departments', 'list', '--all']);
    expect(list.stdout).toContain('BRANCH  Branch service  (INACTIVE)');
    const on = await ccm(['--as', ADMIN, 'departments', 'reactivate', 'BRANCH', '--reason', 'un-merged']);
    expect([on.code, on.stdout]).toEqual([0, 'department BRANCH reactivated\n']);
    expect(await auditActions('BRANCH')).toEqual([
      ['department.create', ADMIN],
      ['department.deactivate', ADMIN],
      ['department.reactivate', ADMIN],
    ]);
  });
});

describe('ccm rota', () => {
  test('add a shift (SUPERVISOR), see who is on duty at an instant in it and in a gap (the fallback), list, refuse an overlap, delete a future shift, end a running one', async () => {
    const startsAt = inHours(100);
    const endsAt = inHours(112);
    const added = await ccm(['--as', SUP, 'rota', 'add', EXEC, '--starts', startsAt, '--ends', endsAt]);
    expect(added.code).toBe(0);
    const id = /^added shift ([0-9a-f-]{36}): /.exec(added.stdout)?.[1];
    expect(added.stdout).toBe(`added shift ${id}: ${EXEC} (Staff ${EXEC}) ${startsAt} → ${endsAt} UPCOMING\n`);

    const at = inHours(101);
    const gapAt = inHours(200);
    const [duty, gap, overlap, listed] = await Promise.all([
      ccm(['--as', CS, 'rota', 'on-duty', '--at', at]),
      ccm(['--as', CS, 'rota', 'on-duty', '--at', gapAt]),
      ccm(['--as', ADMIN, 'rota', 'add', SUP, '--starts', inHours(110), '--ends', inHours(120)]),
      ccm(['--as', CS, 'rota', 'list', '--from', inHours(99), '--to', inHours(130)]),
    ]);
    expect([duty.code, duty.stdout]).toEqual([0, `${at}: ${EXEC} (Staff ${EXEC}) is on duty (shift ${id}, ${startsAt} → ${endsAt})\n`]);
    expect([gap.code, gap.stdout]).toEqual([0, `${gapAt}: nobody is on the rota at this time: escalations go to every active SUPERVISOR\nescalations go to: ${EXEC}, ${SUP} (FALLBACK_SUPERVISORS)\n`]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toBe(`ccm: overlaps shift ${id} of ${EXEC} (Staff ${EXEC}) from ${startsAt} to ${endsAt}: only one executive is on duty at a time (a shift may start when another ends)\n`);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^SHIFT\s+EXECUTIVE\s+NAME\s+STARTS\s+ENDS\s+STATE$/);
    expect(listed.stdout.split('\n')[1]).toMatch(new RegExp(`^${id}\\s+${EXEC}\\s+Staff ${EXEC}\\s+${startsAt.replace(/\./g, '\\.')}\\s+${endsAt.replace(/\./g, '\\.')}\\s+UPCOMING$`));

    const csAdd = await ccm(['--as', CS, 'rota', 'add', EXEC, '--starts', inHours(300), '--ends', inHours(301)]);
    expect([csAdd.code, csAdd.stderr]).toEqual([1, `ccm: requires one of the roles ADMIN, SUPERVISOR; staff member ${CS} has CUSTOMER_SERVICE\n`]);
    const badTime = await ccm(['--as', SUP, 'rota', 'add', EXEC, '--starts', 'monday', '--ends', inHours(301)]);
    expect([badTime.code, badTime.stderr]).toEqual([1, 'ccm: startsAt: an ISO instant with a zone, e.g. 2026-12-07T08:00:00Z or 2026-12-07T08:00:00-05:00 (got "monday")\n']);

    const deleted = await ccm(['--as', SUP, 'rota', 'delete', id!]);
    expect([deleted.code, deleted.stdout]).toEqual([0, `deleted shift ${id}: ${EXEC} (Staff ${EXEC}) ${startsAt} → ${endsAt} UPCOMING\n`]);

    // A shift running now (started a minute ago), cut short.
    const running = await ccm(['--as', SUP, '--json', 'rota', 'add', EXEC, '--starts', new Date(Date.now() - 60_000).toISOString(), '--ends', inHours(4)]);
    expect(running.code).toBe(0);
    const shift = JSON.parse(running.stdout) as { id: string; state: string };
    expect(shift.state).toBe('ON_DUTY');
    const now = await ccm(['--as', CS, 'rota', 'on-duty']);
    expect(now.stdout).toContain(`: ${EXEC} (Staff ${EXEC}) is on duty (shift ${shift.id},`);
    const notDeleted = await ccm(['--as', SUP, 'rota', 'delete', shift.id]);
    expect(notDeleted.code).toBe(1);
    expect(notDeleted.stderr).toContain(`cut it short with POST /rota/shifts/${shift.id}/end (ccm rota end ${shift.id})`);
    const ended = await ccm(['--as', SUP, 'rota', 'end', shift.id, '--reason', 'called away']);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toMatch(new RegExp(`^ended shift ${shift.id}: ${EXEC} \\(Staff ${EXEC}\\) \\S+ → \\S+ ENDED\\n$`));

    expect(await auditActions(id!)).toEqual([
      ['rota.shift.create', SUP],
      ['rota.shift.delete', SUP],
    ]);
    expect(await auditActions(shift.id)).toEqual([
      ['rota.shift.create', SUP],
      ['rota.shift.end', SUP],
    ]);
  });
});
