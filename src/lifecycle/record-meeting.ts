/**
 * Use case (§5.1 enterprises: "one communication meeting with every enterprise customer each
 * quarter"): the relationship manager records the quarter's meeting — when it was held, who attended
 * (names or roles), notes. Who may: as for the periodic review (src/lifecycle/customer-work.ts).
 *
 * `heldOn` is a date (YYYY-MM-DD) in the bank's time zone, not in the future, and not before the
 * first day of the open meeting task's quarter. What the person recorded goes to the task's `outcome`
 * in PostgreSQL first; the lifecycle is then told the task id only (`meetingHeld` update): it closes
 * the task, writes the contact history (ContactEvent, channel MEETING) and `meeting.held`, and stops
 * the meeting's reminders. A refusal by the workflow is 409 with its reason.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { Prisma, type Db } from '../db/client';
import { calendarDateIn, isIsoDate } from '../domain/business-calendar';
import { bankTimeZone, type Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput, ValidationError } from '../shared/errors';
import { customerScope, findCustomerIn } from '../customers/access';
import { toTaskView, type TaskView } from '../tasks/tasks';
import { customerWorkflowId, meetingHeldUpdate } from '../../workflows/lifecycle/definitions';
import { requireCustomerWork, toLifecycle } from './customer-work';

export const MAX_ATTENDEES = 20;

export const recordMeetingInput = z.strictObject({
  /** The day it was held (bank time zone), YYYY-MM-DD. */
  heldOn: z
    .string({ error: 'a date written YYYY-MM-DD' })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date written YYYY-MM-DD', abort: true })
    .refine(isIsoDate, 'not a real calendar date'),
  /** Who attended: names or roles ("CFO", "relationship manager"). */
  attendees: z
    .array(z.string({ error: 'a name or role' }).trim().min(1, 'must not be blank').max(100, 'at most 100 characters'), { error: 'a list of names or roles' })
    .min(1, 'at least one attendee')
    .max(MAX_ATTENDEES, `at most ${MAX_ATTENDEES} attendees`),
  /** What was discussed and agreed. */
  notes: z.string({ error: 'text' }).trim().max(4000, 'at most 4000 characters'),
});

export interface MeetingRecorded {
  customerId: string;
  taskId: string;
  quarter: string;
  heldOn: string;
  task: TaskView;
}

/** 'YYYY-Qn' → its first day, YYYY-MM-DD. */
const quarterFirstDay = (quarter: string) => {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  return m ? `${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, '0')}-01` : undefined;
};

export async function recordMeeting(
  deps: { db: Db; temporal: Client; policy: Policy; clock: Clock },
  actor: Actor,
  customerId: string,
  body: unknown,
): Promise<MeetingRecorded> {
  const { db } = deps;
  const customer = await findCustomerIn(db, customerId, customerScope(actor));
  const task = await db.task.findFirst({ where: { customerId, kind: 'RELATIONSHIP_MEETING', status: 'OPEN' }, orderBy: { dueAt: 'desc' } });
  await requireCustomerWork(db, actor, customer, task, 'record the quarterly meeting');
  const input = parseInput(recordMeetingInput, body);

  if (customer.type !== 'ENTERPRISE') throw new ConflictError(`customer ${customerId} is an individual: quarterly meetings are for enterprise customers (§5.1)`);
  if (!task) throw new ConflictError(`no quarterly meeting is open for customer ${customerId}; its lifecycle opens the next one at the start of the next quarter`);

  const tz = bankTimeZone(deps.policy);
  const today = calendarDateIn(deps.clock.now(), tz);
  const quarter = task.id.split(':').at(-1) ?? '';
  const earliest = quarterFirstDay(quarter) ?? calendarDateIn(task.createdAt, tz);
  if (input.heldOn > today) throw new ValidationError([{ field: 'heldOn', value: input.heldOn, reason: `must not be in the future (today is ${today})` }]);
  if (input.heldOn < earliest) {
    throw new ValidationError([{ field: 'heldOn', value: input.heldOn, reason: `must be within the quarter of the open meeting (${quarter}: from ${earliest})` }]);
  }

  const outcome = { heldOn: input.heldOn, attendees: input.attendees, notes: input.notes, recordedByStaffId: actor.staffId };
  const { count } = await db.task.updateMany({ where: { id: task.id, status: 'OPEN' }, data: { outcome } });
  if (count === 0) throw new ConflictError(`the meeting task ${task.id} was closed meanwhile`);
  try {
    await toLifecycle(customerId, () =>
      deps.temporal.workflow.getHandle(customerWorkflowId(customerId)).executeUpdate(meetingHeldUpdate, { args: [{ staffId: actor.staffId, taskId: task.id }] }),
    );
  } catch (err) {
    const previous = task.outcome === null ? Prisma.DbNull : (task.outcome as Prisma.InputJsonValue);
    await db.task.updateMany({ where: { id: task.id, status: 'OPEN' }, data: { outcome: previous } }).catch(() => undefined);
    throw err;
  }
  const closed = await db.task.findUniqueOrThrow({ where: { id: task.id } });
  return { customerId, taskId: task.id, quarter, heldOn: input.heldOn, task: toTaskView(closed, deps.clock.now()) };
}
