/**
 * §7.1 staff training and the §3.1 gate as staff meet them through the API (and `ccm training`), on
 * real parts: HTTP → use cases (src/training/) → this file's PostgreSQL database, the training
 * workflow on the dev server's worker (tests/support/stack.ts), a real SMTP server.
 *   - programmes: the foundation course seeded from the policy on first read; an ADMIN creates,
 *     changes and deactivates advanced courses (400 naming the field, 409, audited); others 403;
 *   - a new hire registered through POST /staff starts untrained: refused as an auditor and for
 *     identity numbers with the reason; GET /staff/:id/training says why;
 *   - enrolment (ADMIN/SUPERVISOR; an advanced course before the foundation course refused; once);
 *   - the trainer records the modules (not the trainee, not another role; the score where the module
 *     is assessed; a failed attempt keeps it open); the last one brings the certificate and lifts the gate.
 */
import { randomUUID } from 'node:crypto';
import { ensureCoverage } from '../../src/customers/classify-customer';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { issueApiKey } from '../../src/security/auth';
import { apiCaller, staffWithKey, staffWithKeys, type ApiResponse, type ApiStaff } from '../support/api';
import { ccmRunner } from '../support/cli';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const policy = DEFAULT_POLICY;
let stack: ApiStack;

const staff = {} as Record<'admin' | 'supervisor' | 'cs' | 'trainer', ApiStaff>;
let hire: ApiStaff;
const call = apiCaller(() => stack.baseUrl);
/** `ccm …` with the stack's worker behind it, on the development key ring. */
const ccm = ccmRunner({ taskQueue: () => stack.taskQueue, env: { DATA_ENCRYPTION_KEYS: '', DATA_ENCRYPTION_KEY_ID: '', BLIND_INDEX_KEY: '' } });

const course = (code: string) => ({
  code,
  name: 'New products 2027',
  kind: 'ADVANCED',
  topic: 'NEW_PRODUCTS',
  provider: 'INTERNAL',
  weeks: 2,
  modules: [
    { code: 'DEPOSITS', title: 'New deposit products', delivery: 'LECTURE', week: 1 },
    { code: 'SELLING', title: 'Recommending them well', delivery: 'SIMULATION', week: 2, assessed: true },
  ],
});

const auditActions = async (entityId: string) => (await stack.db.auditLog.findMany({ where: { entityId }, orderBy: { id: 'asc' } })).map((a) => a.action);

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test' });
  await staffWithKeys(stack.db, staff, { admin: ['ADMIN'], supervisor: ['SUPERVISOR'], cs: ['CUSTOMER_SERVICE'], trainer: ['RISK_OFFICER'] });
  // A new hire through the API: untrained from the start (§3.1, §7.1).
  const id = unique('hire');
  const created = await call('POST', '/staff', { as: staff.admin, body: { id, name: 'Nina Newhire', email: `${id}@bank.test`, roles: ['AUDITOR'] } });
  expect(created.status).toBe(201);
  hire = { id, email: `${id}@bank.test`, key: (await issueApiKey(stack.db, id, 'training-api test')).key };
});

afterAll(async () => {
  await stack?.stop();
});

test('§7.1 programmes: the foundation course seeded from the policy; an ADMIN creates, changes and deactivates advanced courses; others 403; bad input 400 naming the field', async () => {
  const list = await call('GET', '/training/programmes', { as: staff.cs });
  expect(list.status).toBe(200);
  const foundation = list.body.items.find((p: { code: string }) => p.code === 'FOUNDATION');
  expect(foundation).toMatchObject({ kind: 'FOUNDATION', provider: 'INTERNAL', weeks: policy.training.foundation.weeks, active: true });
  expect(foundation.modules.map((m: { code: string; delivery: string }) => `${m.code}:${m.delivery}`)).toEqual(['CLASSIFICATION_IDENTIFICATION:LECTURE', 'INFORMATION_MANAGEMENT:CASE_STUDY', 'SERVICE_STANDARDS:SIMULATION']);
  expect(await auditActions('FOUNDATION')).toEqual(['training.programme.seed']);

  const code = `ADV_NEW_PRODUCTS_${randomUUID().slice(0, 4).toUpperCase()}`;
  const refused = await call('POST', '/training/programmes', { as: staff.supervisor, body: course(code) });
  expect([refused.status, refused.body.message]).toEqual([403, `requires one of the roles ADMIN; staff member ${staff.supervisor.id} has SUPERVISOR`]);
  const tooLong = await call('POST', '/training/programmes', { as: staff.admin, body: { ...course(code), weeks: 1 } });
  expect([tooLong.status, tooLong.body.issues]).toEqual([400, [{ field: 'modules.1.week', value: 2, reason: "the module runs to week 2, after the course's last week 1" }]]);
  const foundationKind = await call('POST', '/training/programmes', { as: staff.admin, body: { ...course(code), kind: 'FOUNDATION' } });
  expect([foundationKind.status, foundationKind.body.issues[0].field]).toEqual([400, 'kind']);
  expect(await stack.db.trainingProgramme.count({ where: { code } })).toBe(0);

  const created = await call('POST', '/training/programmes', { as: staff.admin, body: { ...course(code), trainerStaffId: staff.trainer.id } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ code, kind: 'ADVANCED', topic: 'NEW_PRODUCTS', weeks: 2, trainerStaffId: staff.trainer.id, modules: [{ code: 'DEPOSITS', seq: 1, week: 1, assessed: false }, { code: 'SELLING', seq: 2, week: 2, assessed: true, passScore: null }] });
  expect((await call('POST', '/training/programmes', { as: staff.admin, body: course(code) })).status).toBe(409);

  const patched = await call('PATCH', `/training/programmes/${code}`, { as: staff.admin, body: { provider: 'EXTERNAL' } });
  expect([patched.status, patched.body.provider]).toEqual([200, 'EXTERNAL']);
  const foundationWeeks = await call('PATCH', '/training/programmes/FOUNDATION', { as: staff.admin, body: { weeks: policy.training.foundation.weeks + 1 } });
  expect([foundationWeeks.status, foundationWeeks.body.issues[0].field]).toEqual([400, 'weeks']);
  expect((await call('DELETE', '/training/programmes/FOUNDATION', { as: staff.admin })).status).toBe(409);
  const deactivated = await call('DELETE', `/training/programmes/${code}`, { as: staff.admin });
  expect([deactivated.status, deactivated.body.active]).toEqual([200, false]);
  expect(await auditActions(code)).toEqual(['training.programme.create', 'training.programme.update', 'training.programme.deactivate']);
});

test('§3.1 a new hire is untrained: refused as an auditor and for identity numbers with the reason; GET /staff/:id/training says why', async () => {
  const reason = (what: string) => `staff member ${hire.id} has not completed the foundation course (§3.1, §7.1): they may not ${what} until it is complete (see GET /staff/${hire.id}/training)`;
  const reveal = await call('GET', '/customers/cus_doesnotexist00?reveal=identity', { as: hire });
  expect([reveal.status, reveal.body.message]).toEqual([403, reason('reveal identity numbers')]);
  const decide = await call('POST', '/reviews/cus_doesnotexist00/decision', { as: hire, body: { decision: 'APPROVE' } });
  expect([decide.status, decide.body.message]).toEqual([403, reason('act as an auditor')]);
  const mine = await call('GET', `/staff/${hire.id}/training`, { as: hire });
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({
    foundation: { complete: false, completedAt: null, how: null },
    gate: { mayBeAssignedCustomers: false, mayActAsAuditor: false, mayRevealIdentityNumbers: false, reason: `staff member ${hire.id} has not completed the foundation course (§3.1, §7.1): they may not be assigned customers, act as an auditor, reveal identity numbers until it is complete` },
    enrolments: [],
  });
  expect((await call('GET', `/staff/${hire.id}/training`, { as: staff.cs })).status).toBe(403);
  expect((await call('GET', `/staff/${staff.cs.id}/training`, { as: staff.supervisor })).body.foundation).toMatchObject({ complete: true, how: 'RECORDED' });
});

test('§3.1, §4 the assignment rules skip an untrained relationship manager: a VIP customer gets the trained one, though the new hire has fewer customers and comes first', async () => {
  const trained = await staffWithKey(stack.db, 'rmt', ['RELATIONSHIP_MANAGER']);
  const newRmId = `aaa-${randomUUID().slice(0, 8)}`;
  expect((await call('POST', '/staff', { as: staff.admin, body: { id: newRmId, name: 'Rory Rookie', email: `${newRmId}@bank.test`, roles: ['RELATIONSHIP_MANAGER'] } })).status).toBe(201);
  const customerId = `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await stack.db.customer.create({
    data: { id: customerId, type: 'INDIVIDUAL', status: 'APPROVED', displayName: 'Vera Vip', contactPreferences: { email: true, sms: false, phone: false, marketingOptOut: false }, channel: 'BRANCH', createdByStaffId: staff.cs.id, segment: 'VIP' },
  });
  // The trained manager already looks after one customer; the new hire none.
  const other = `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await stack.db.customer.create({ data: { id: other, type: 'INDIVIDUAL', status: 'APPROVED', displayName: 'Otto Other', contactPreferences: {}, channel: 'BRANCH', createdByStaffId: staff.cs.id } });
  await stack.db.relationshipAssignment.create({ data: { customerId: other, staffId: trained.id, role: 'RELATIONSHIP_MANAGER' } });
  const coverage = await stack.db.$transaction((tx) => ensureCoverage(tx, { customerId, segment: 'VIP', at: new Date(), policy }));
  expect(coverage.relationshipManagerId).toBe(trained.id);
  expect(await stack.db.relationshipAssignment.count({ where: { staffId: newRmId } })).toBe(0);
});

test('§7.1 enrolment and the trainer’s records: the certificate at the last module, and the §3.1 gate lifted', async () => {
  const enrolPath = `/staff/${hire.id}/training/enrolments`;
  expect((await call('POST', enrolPath, { as: staff.cs, body: { programmeCode: 'FOUNDATION' } })).status).toBe(403);
  const past = await call('POST', enrolPath, { as: staff.supervisor, body: { programmeCode: 'FOUNDATION', startsOn: '2020-01-06' } });
  expect([past.status, past.body.issues[0].field]).toEqual([400, 'startsOn']);
  const advanced = await stack.db.trainingProgramme.findFirstOrThrow({ where: { kind: 'ADVANCED' } });
  await stack.db.trainingProgramme.update({ where: { code: advanced.code }, data: { active: true } });
  const early = await call('POST', enrolPath, { as: staff.supervisor, body: { programmeCode: advanced.code } });
  expect([early.status, early.body.issues]).toEqual([422, [{ field: 'programmeCode', value: advanced.code, reason: 'the foundation course comes first (§7.1)' }]]);

  const enrolled = await call('POST', enrolPath, { as: staff.supervisor, body: { programmeCode: 'FOUNDATION', trainerStaffId: staff.trainer.id } });
  expect(enrolled.status).toBe(201);
  expect(enrolled.body).toMatchObject({ staffId: hire.id, programmeCode: 'FOUNDATION', workflowId: `training-${hire.id}-FOUNDATION`, managerStaffId: staff.supervisor.id, trainerStaffId: staff.trainer.id, start: 'STARTED' });
  expect((await call('POST', enrolPath, { as: staff.supervisor, body: { programmeCode: 'FOUNDATION' } })).status).toBe(409);
  for (let i = 0; i < 100 && (await stack.db.task.count({ where: { assigneeStaffId: hire.id, kind: 'TRAINING_MODULE' } })) < 3; i++) await new Promise((r) => setTimeout(r, 100));
  // Each module is a task in the trainee's inbox, due at the end of its weeks.
  const inbox = await call('GET', '/tasks?kind=TRAINING_MODULE', { as: hire });
  expect(inbox.body.items.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual(
    ['CLASSIFICATION_IDENTIFICATION', 'INFORMATION_MANAGEMENT', 'SERVICE_STANDARDS'].map((m) => [`training:${hire.id}:FOUNDATION:${m}`, 'OPEN']),
  );

  const complete = (module: string, as: ApiStaff, body: object = {}) => call('POST', `/staff/${hire.id}/training/FOUNDATION/modules/${module}/complete`, { as, body });
  const self = await complete('CLASSIFICATION_IDENTIFICATION', hire);
  expect([self.status, self.body.message]).toEqual([403, `staff member ${hire.id} may not record their own training (§7.1): the trainer records it`]);
  expect((await complete('CLASSIFICATION_IDENTIFICATION', staff.cs)).status).toBe(403);
  expect((await complete('CLASSIFICATION_IDENTIFICATION', staff.trainer)).body).toMatchObject({ passed: true, moduleStatus: 'DONE', workflowTold: true });
  expect((await complete('CLASSIFICATION_IDENTIFICATION', staff.trainer)).status).toBe(409);
  const noScore = await complete('INFORMATION_MANAGEMENT', staff.trainer);
  expect([noScore.status, noScore.body.issues[0].field]).toEqual([400, 'score']);
  expect((await complete('INFORMATION_MANAGEMENT', staff.trainer, { score: 40 })).body).toMatchObject({ passed: false, moduleStatus: 'OPEN' });
  expect((await complete('INFORMATION_MANAGEMENT', staff.trainer, { score: 88 })).body).toMatchObject({ passed: true, moduleStatus: 'DONE' });
  expect((await complete('SERVICE_STANDARDS', staff.supervisor, { score: 75 })).body).toMatchObject({ passed: true, moduleStatus: 'DONE' });

  let view: ApiResponse | undefined;
  for (let i = 0; i < 100; i++) {
    view = await call('GET', `/staff/${hire.id}/training`, { as: hire });
    if (view.body.foundation.complete) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(view!.body).toMatchObject({
    foundation: { complete: true, how: 'COURSE' },
    gate: { mayBeAssignedCustomers: true, mayActAsAuditor: true, mayRevealIdentityNumbers: true, reason: null },
    enrolments: [{ programmeCode: 'FOUNDATION', status: 'COMPLETED', certificate: { programmeCode: 'FOUNDATION', kind: 'FOUNDATION' } }],
  });
  expect(view!.body.enrolments[0].modules.map((m: { code: string; status: string; score: number | null; recordedByStaffId: string }) => [m.code, m.status, m.score, m.recordedByStaffId])).toEqual([
    ['CLASSIFICATION_IDENTIFICATION', 'DONE', null, staff.trainer.id],
    ['INFORMATION_MANAGEMENT', 'DONE', 88, staff.trainer.id],
    ['SERVICE_STANDARDS', 'DONE', 75, staff.supervisor.id],
  ]);
  // The gate lifted: the same requests now reach the customer lookup (which does not exist: 404).
  expect((await call('GET', '/customers/cus_doesnotexist00?reveal=identity', { as: hire })).status).toBe(404);
  expect((await call('POST', '/reviews/cus_doesnotexist00/decision', { as: hire, body: { decision: 'APPROVE' } })).status).toBe(404);
  expect(await auditActions(hire.id)).toEqual(['training.foundation.complete']);

  // The CLI reads the same (ccm training show), and refuses the trainee's own record with the reason.
  const shown = await ccm(['--as', staff.supervisor.id, '--json', 'training', 'show', hire.id]);
  expect([shown.code, shown.stderr]).toEqual([0, '']);
  expect(JSON.parse(shown.stdout)).toMatchObject({ staffId: hire.id, foundation: { complete: true } });
  const own = await ccm(['--as', hire.id, 'training', 'complete', hire.id, 'FOUNDATION', 'SERVICE_STANDARDS', '--score', '99']);
  expect(own.code).toBe(1);
  // (its first line says the CLI runs on the development key ring, as every command that talks to Temporal here)
  expect(own.stderr.split('\n').slice(-2)).toEqual([`ccm: staff member ${hire.id} may not record their own training (§7.1): the trainer records it`, '']);
});
