/**
 * Use case (§5.2 "responses and internal notes are recorded"): a note on a case's timeline. No
 * message to the workflow: a note changes neither the SLA nor the ladder.
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: `body` (1–10000 characters; never echoed in errors), `internal` (default true: never shown
 *   or sent to the customer). 400 naming the field, nothing written. A note may be added whatever
 *   the case's status (a closed case's history can still be annotated).
 * - FeedbackEvent NOTE (the body encrypted, AAD `FeedbackEvent.body:<caseNo>:<key>`) and the audit
 *   record `feedback.note.record` in one transaction. Answer (201): the case number, the event id, internal.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { auditCtx, bodyText, findCase, requireHandle, writeBodyEvent, type FeedbackDeps } from './cases';

export const addFeedbackNoteInput = z.strictObject({
  body: bodyText('the note'),
  /** Default true: an internal note is never shown or sent to the customer. */
  internal: z.boolean({ error: 'true or false' }).optional(),
});

export interface NoteAdded {
  caseNo: string;
  eventId: string;
  internal: boolean;
  at: string;
}

export async function addFeedbackNote(deps: Pick<FeedbackDeps, 'db' | 'ring' | 'clock'>, actor: Actor, caseNo: string, body: unknown, ctx: { requestId?: string } = {}): Promise<NoteAdded> {
  const { db } = deps;
  const c = await findCase(db, caseNo);
  await requireHandle(db, actor, c, 'add a note to');
  const input = parseInput(addFeedbackNoteInput, body, ['body']);
  const internal = input.internal ?? true;
  return db.$transaction(async (tx) => {
    const e = await writeBodyEvent(tx, deps.ring, { caseNo: c.caseNo, kind: 'NOTE', actorStaffId: actor.staffId, at: deps.clock.now(), body: input.body, internal });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'feedback.note.record',
      entity: 'FeedbackCase',
      entityId: c.caseNo,
      ...(c.customerId ? { customerId: c.customerId } : {}),
      changes: { eventId: { before: null, after: String(e.id) }, internal: { before: null, after: internal }, body: 'changed' },
      ...auditCtx(ctx),
    });
    return { caseNo: c.caseNo, eventId: String(e.id), internal, at: e.at.toISOString() };
  });
}
