/**
 * Issue 12 "Supervisor: … reassign" (src/tasks/reassign-task.ts), its pure parts at their boundaries:
 * the input (a staff id, a reason of 1–500 characters after trimming, nothing else), who may take each
 * kind of task (§3.1/§7.1 the foundation-training gate, §3.2/§5.1 a relationship manager who looks
 * after the customer or the task's team, §6.2 a risk officer), the kinds that belong to one person
 * (§7.1 a trainee's module, §7.2 a manager's guidance), a case's task number, and the email to the
 * new assignee (bank-local time with the zone's abbreviation, text and HTML, the console link).
 */
import { consoleLinks } from '../../src/console/links';
import { parseInput, ValidationError } from '../../src/shared/errors';
import { taskReassignedEmail } from '../../src/tasks/emails';
import { caseNoOfTask, REASSIGN_RULES, reassignTaskInput, takerRefusal, type Taker } from '../../src/tasks/reassign-task';

const issuesOf = (body: unknown) => {
  try {
    parseInput(reassignTaskInput, body);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.issues.map((i) => `${i.field}: ${i.reason}`);
    throw err;
  }
};

describe('input (400 naming the field)', () => {
  it('a staff id and a reason, trimmed', () => {
    expect(parseInput(reassignTaskInput, { toStaffId: ' rm-2 ', reason: '  on leave  ' })).toEqual({ toStaffId: 'rm-2', reason: 'on leave' });
  });

  it('the reason: required, not blank, at most 500 characters', () => {
    expect(issuesOf({ toStaffId: 'rm-2' })).toEqual(['reason: text: why']);
    expect(issuesOf({ toStaffId: 'rm-2', reason: '   ' })).toEqual(['reason: must not be blank: say why']);
    expect(issuesOf({ toStaffId: 'rm-2', reason: 'x'.repeat(500) })).toEqual([]);
    expect(issuesOf({ toStaffId: 'rm-2', reason: 'x'.repeat(501) })).toEqual(['reason: at most 500 characters']);
  });

  it('the staff id: required, not blank, at most 64 characters; no other field', () => {
    expect(issuesOf({ reason: 'r' })).toEqual(['toStaffId: text: a staff id']);
    expect(issuesOf({ toStaffId: ' ', reason: 'r' })).toEqual(['toStaffId: a staff id']);
    expect(issuesOf({ toStaffId: 's'.repeat(64), reason: 'r' })).toEqual([]);
    expect(issuesOf({ toStaffId: 's'.repeat(65), reason: 'r' })).toEqual(['toStaffId: at most 64 characters']);
    expect(issuesOf({ toStaffId: 'rm-2', reason: 'r', departmentCode: 'CARDS' })).toHaveLength(1);
  });
});

const taker = (over: Partial<Taker> = {}): Taker => ({ id: 'stf-2', active: true, foundationTrained: true, roles: ['RELATIONSHIP_MANAGER'], expertise: [], looksAfterCustomer: true, ...over });
const review = { kind: 'PERIODIC_REVIEW' as const, team: null, customerId: 'cus-1' };

describe('who may take a task', () => {
  it('nobody unknown, inactive or without the foundation course (§3.1, §7.1)', () => {
    expect(takerRefusal(review, null)).toBe('no such staff member');
    expect(takerRefusal(review, taker({ active: false }))).toBe('staff member is inactive');
    expect(takerRefusal(review, taker({ foundationTrained: false }))).toMatch(/^staff member stf-2 has not completed the foundation course \(§3\.1, §7\.1\): they may not be assigned customers/);
  });

  it('§3.2/§5.1 a review, meeting or contact: a relationship manager who looks after the customer', () => {
    for (const kind of ['PERIODIC_REVIEW', 'RELATIONSHIP_MEETING', 'CUSTOMER_CONTACT'] as const) {
      expect(takerRefusal({ ...review, kind }, taker())).toBeUndefined();
      expect(takerRefusal({ ...review, kind }, taker({ roles: ['RISK_OFFICER'] }))).toBe(`not a RELATIONSHIP_MANAGER: a ${kind} task is a relationship manager's work (${kind === 'PERIODIC_REVIEW' ? '§3.2' : '§5.1'})`);
    }
    // §3.1 a relationship manager (that role alone) works only on the customers they look after …
    expect(takerRefusal(review, taker({ looksAfterCustomer: false }))).toMatch(/^does not look after customer cus-1 \(§3\.1 access by role and need/);
    // … one with another role sees every customer; a task without a customer needs no look-after.
    expect(takerRefusal(review, taker({ roles: ['RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE'], looksAfterCustomer: false }))).toBeUndefined();
    expect(takerRefusal({ ...review, customerId: null }, taker({ looksAfterCustomer: false }))).toBeUndefined();
  });

  it("the service team's task: a member of the team (role or expertise) too", () => {
    const team = { ...review, team: 'CUSTOMER_SERVICE' };
    expect(takerRefusal(team, taker({ roles: ['CUSTOMER_SERVICE'] }))).toBeUndefined();
    expect(takerRefusal({ ...review, team: 'INVESTMENT_EXPERT' }, taker({ roles: ['AUDITOR'], expertise: ['INVESTMENT_EXPERT'] }))).toBeUndefined();
    expect(takerRefusal(team, taker({ roles: ['AUDITOR'] }))).toBe("not a RELATIONSHIP_MANAGER or a member of team CUSTOMER_SERVICE: a PERIODIC_REVIEW task is a relationship manager's work (§3.2)");
  });

  it('§6.2 a risk investigation or mitigation plan: a risk officer only', () => {
    for (const kind of ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] as const) {
      const t = { kind, team: 'RISK_OFFICER', customerId: 'cus-1' };
      expect(takerRefusal(t, taker({ roles: ['RISK_OFFICER'] }))).toBeUndefined();
      expect(takerRefusal(t, taker({ roles: ['RELATIONSHIP_MANAGER', 'SUPERVISOR'] }))).toBe(`not a RISK_OFFICER: a ${kind} task is a RISK_OFFICER's work (§6.2)`);
    }
  });

  it('§7.1 a trainee’s module and §7.2 a manager’s guidance belong to one person (409 with the reason); a case goes through its own reassignment', () => {
    expect(REASSIGN_RULES.TRAINING_MODULE).toEqual({ takers: 'personal', reason: expect.stringContaining('(§7.1)') });
    expect(REASSIGN_RULES.STAFF_GUIDANCE).toEqual({ takers: 'personal', reason: expect.stringContaining('(§7.2)') });
    expect(REASSIGN_RULES.FEEDBACK_CASE).toEqual({ takers: 'feedback-case' });
    expect(caseNoOfTask('feedback:FB-2026-000123:0')).toBe('FB-2026-000123');
    expect(caseNoOfTask('feedback:FB-2026-000123:12')).toBe('FB-2026-000123');
    expect(caseNoOfTask('review:cus-1:2')).toBeNull();
    expect(caseNoOfTask('feedback:FB-1')).toBeNull();
  });
});

describe('the email to the new assignee', () => {
  const task = { id: 'review:cus-1:2', kind: 'PERIODIC_REVIEW', subject: 'Periodic review of customer cus-1, cycle 3 (§3.2)', customerId: 'cus-1', dueAt: new Date('2027-01-11T14:00:00Z'), overdueAt: new Date('2027-01-25T14:00:00Z') };
  const links = consoleLinks('https://care.bank.example/');

  it('bank-local times with the zone abbreviation, the reason, who it came from, and the console link, in text and HTML', () => {
    const e = taskReassignedEmail(task, { name: 'Rita Manager' }, { id: 'sup-1', name: 'Sue Pervisor' }, 'rm-1', 'Rob is on leave', 'America/New_York', links, new Date('2027-02-01T00:00:00Z'));
    expect(e.subject).toBe('Task reassigned to you: Periodic review of customer cus-1, cycle 3 (§3.2)');
    expect(e.text).toContain('Hello Rita Manager,');
    expect(e.text).toContain('Sue Pervisor (sup-1) has reassigned a task to you from rm-1. It is overdue: please take it up first.');
    expect(e.text).toMatch(/Due: +Mon 11 Jan 2027, 09:00 EST/);
    expect(e.text).toMatch(/Overdue since: +Mon 25 Jan 2027, 09:00 EST/);
    expect(e.text).toMatch(/Reason: +Rob is on leave/);
    expect(e.text).toContain('Open your inbox in the staff console: https://care.bank.example/console?kind=PERIODIC_REVIEW');
    expect(e.html).toContain('href="https://care.bank.example/console?kind=PERIODIC_REVIEW"');
    expect(e.html).toContain('Rob is on leave');
    expect(e.text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('not yet overdue: no hurry line; the reason is HTML-escaped', () => {
    const e = taskReassignedEmail(task, { name: 'Rita' }, { id: 'sup-1', name: 'Sue' }, null, '<b>load</b>', 'America/New_York', links, new Date('2027-01-01T00:00:00Z'));
    expect(e.text).toContain('Sue (sup-1) has reassigned a task to you.');
    expect(e.text).not.toContain('overdue: please');
    expect(e.text).toMatch(/Overdue from: +Mon 25 Jan 2027, 09:00 EST/);
    expect(e.html).toContain('&lt;b&gt;load&lt;/b&gt;');
  });
});
