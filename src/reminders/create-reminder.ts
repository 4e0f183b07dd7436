/**
 * Use case: create a staff reminder. Validates the request, writes the reminder, its audit record
 * (§3.1) and the outbox record of its workflow start (`reminder-<key>`) in one transaction, then
 * starts the workflow after the commit (src/outbox/workflow-starts.ts): never a workflow without its
 * reminder, and a reminder committed while Temporal is down gets its workflow once Temporal is back.
 */
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/client';
import { diffFields, writeAudit } from '../audit/audit-log';
import { startRecord, starterFor, type StartRequest, type WorkflowStarter } from '../outbox/workflow-starts';
import type { Policy } from '../policy/policy';
import { reminderEscalationDelayMs } from '../policy/policy';
import { ConflictError, parseInput, ValidationError } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { reminderWorkflowId, type StaffReminderInput } from '../../workflows/staff-reminder';
import { toReminderView, type ReminderView } from './reminder-view';

export const REMINDER_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const staffId = z.string().min(1).max(64);

export const createReminderInput = z.strictObject({
  key: z.string().regex(REMINDER_KEY_PATTERN, 'letters, digits and . _ : - (1–100, starting with a letter or digit)'),
  staffId,
  escalationStaffId: staffId,
  dueAt: z.iso.datetime({ offset: true, message: 'an ISO-8601 date-time with offset, e.g. 2026-12-01T09:00:00Z' }),
  subject: z.string().trim().min(1, 'must not be empty').max(200),
});
export type CreateReminderInput = z.infer<typeof createReminderInput>;

export interface ReminderDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  /** Starts the workflow after the commit (src/outbox); default: one per Temporal client. */
  starter?: WorkflowStarter;
}

export async function createReminder(deps: ReminderDeps, body: unknown, actor?: { staffId: string }): Promise<ReminderView> {
  const input = parseInput(createReminderInput, body);
  const { db, policy } = deps;

  if (input.escalationStaffId === input.staffId) {
    throw new ValidationError([
      { field: 'escalationStaffId', value: input.escalationStaffId, reason: 'must be someone other than staffId' },
    ]);
  }
  const staff = await db.staffMember.findMany({ where: { id: { in: [input.staffId, input.escalationStaffId] } } });
  const issues = (['staffId', 'escalationStaffId'] as const).flatMap((field) => {
    const member = staff.find((s) => s.id === input[field]);
    if (!member) return [{ field, value: input[field], reason: 'no such staff member' }];
    if (!member.active) return [{ field, value: input[field], reason: 'staff member is inactive' }];
    return [];
  });
  if (issues.length) throw new ValidationError(issues);

  const existing = await db.reminder.findUnique({ where: { key: input.key } });
  if (existing) throw new ConflictError(`reminder ${input.key} already exists`, toReminderView(existing));

  const workflowId = reminderWorkflowId(input.key);
  const dueAt = new Date(input.dueAt);
  const escalateAfterMs = reminderEscalationDelayMs(policy);
  const workflowInput: StaffReminderInput = {
    reminderKey: input.key,
    staffId: input.staffId,
    escalationStaffId: input.escalationStaffId,
    dueAt: dueAt.toISOString(),
    escalateAfterMs,
    policyVersion: policy.version,
  };

  const start: StartRequest = {
    workflowType: 'staffReminder',
    workflowId,
    taskQueue: deps.taskQueue,
    args: [workflowInput],
    searchAttributes: [
      { key: SA.ProcessKind, value: 'REMINDER' },
      { key: SA.StaffId, value: input.staffId },
      { key: SA.DueAt, value: dueAt },
      { key: SA.BusinessStatus, value: 'SCHEDULED' },
      { key: SA.PolicyVersion, value: policy.version },
    ],
  };
  const now = new Date();
  try {
    const row = await db.$transaction(async (tx) => {
      const created = await tx.reminder.create({
        data: {
          key: input.key,
          staffId: input.staffId,
          escalationStaffId: input.escalationStaffId,
          subject: input.subject,
          dueAt,
          escalatesAt: new Date(dueAt.getTime() + escalateAfterMs),
          policyVersion: policy.version,
          workflowId,
        },
      });
      await tx.workflowStart.create({ data: startRecord(start, now) });
      await writeAudit(tx, {
        actorStaffId: actor?.staffId ?? null,
        action: 'reminder.create',
        entity: 'Reminder',
        entityId: input.key,
        changes: diffFields(null, { staffId: input.staffId, escalationStaffId: input.escalationStaffId, dueAt: created.dueAt.toISOString(), escalatesAt: created.escalatesAt.toISOString(), subject: input.subject }),
      });
      return created;
    });
    await starterFor(deps).startWithin(start);
    return toReminderView(row);
  } catch (err) {
    if (isUniqueViolation(err)) {
      const row = await db.reminder.findUnique({ where: { key: input.key } });
      throw new ConflictError(`reminder ${input.key} already exists`, row ? toReminderView(row) : undefined);
    }
    throw err;
  }
}
