/**
 * Sends an email at most once per idempotency key, however often Temporal retries the activity and
 * whatever the mail server does (issue 7; §3.1: every email sent is recorded; §5.2 escalation by email).
 *
 * The notification row (keyed by idempotencyKey) moves PENDING → SENDING → SENT, or → FAILED:
 * - **Claim.** One UPDATE claims the row for this activity attempt (`claimedBy` = workflow id +
 *   activity id, `claimAttempt`, a lease of SEND_LEASE_MS, attempts + 1). It succeeds when the row
 *   is PENDING or FAILED, when an earlier claim's lease has run out, or when the claim is an earlier
 *   attempt of this same activity: Temporal starts attempt n+1 only after attempt n has timed out
 *   (its heartbeat stopped: the worker died), so a killed worker's send is retried within seconds of
 *   the heartbeat timeout, not after the lease. Any other claimant is told to retry later.
 * - **Send outside any transaction**, heartbeating every second, with SMTP connection, greeting and
 *   socket timeouts (src/mail/mailer.ts) shorter than the lease and the activity's start-to-close
 *   timeout, so no lock or transaction can expire mid-send and let a second copy go out.
 * - **Record the outcome** afterwards: SENT with sentAt, or FAILED with attempts and lastError. A
 *   permanent refusal (SMTP 5xx) fails for good (non-retryable `EmailRejected`); anything else retries.
 *
 * The one window SMTP leaves: the server accepted the message (250) and the worker died before the
 * SENT row was written. The next attempt sends it again, with the same Message-ID and
 * X-Idempotency-Key, which lets a recipient's system or a person recognise the copy; it cannot be
 * closed without the mail server taking part (it would need to de-duplicate by Message-ID).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../src/db/client';
import type { Mailer } from '../src/mail/mailer';
import type { Clock } from '../src/shared/clock';

export interface NotificationDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  mailFrom: string;
}

export interface EmailNotification {
  idempotencyKey: string;
  kind: string;
  recipientStaffId?: string;
  toAddress: string;
  subject: string;
  body: string;
  html?: string;
}

export interface EmailOutcome {
  notificationId: string;
  messageId: string;
  /** SENT: this call sent it; ALREADY_SENT: an earlier attempt had. */
  outcome: 'SENT' | 'ALREADY_SENT';
}

/** A Message-ID derived from the key: the same notification always carries the same id. */
export function messageIdFor(idempotencyKey: string, mailFrom: string): string {
  const domain = mailFrom.split('@')[1] ?? 'localhost';
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${digest}@${domain}>`;
}

/**
 * How long a claim holds against OTHER claimants: longer than any send can take (the mailer's
 * connection + greeting + socket timeouts, SMTP_TIMEOUTS_MS in src/mail/mailer.ts, add up to < 2 min).
 */
export const SEND_LEASE_MS = 5 * 60_000;
const HEARTBEAT_EVERY_MS = 1_000;

/** Who is sending: the activity attempt, or (outside an activity, e.g. a script) a one-off claimant. */
function claimant(): { claimedBy: string; attempt: number; heartbeat: () => void } {
  try {
    const ctx = Context.current();
    const { workflowExecution, activityId, attempt, isLocal } = ctx.info;
    // A local activity cannot heartbeat (the server does not know it; core logs "Activity heartbeat
    // failed: UnknownActivity" for each beat): a worker killed mid-send is noticed by the workflow
    // task's timeout instead (workflows/activity-options.ts LOCAL_EMAIL).
    return { claimedBy: `${workflowExecution?.workflowId ?? "standalone"}/${activityId}`, attempt, heartbeat: isLocal ? () => undefined : () => ctx.heartbeat() };
  } catch {
    return { claimedBy: `direct/${randomUUID()}`, attempt: 1, heartbeat: () => undefined };
  }
}

/** SMTP reply codes 500–599 are permanent (RFC 5321 §4.2.1): the same message will be refused again. */
const isPermanentRefusal = (err: unknown) => {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
};

export async function sendEmailOnce(deps: NotificationDeps, n: EmailNotification): Promise<EmailOutcome> {
  const { db, mailer, clock } = deps;
  const messageId = messageIdFor(n.idempotencyKey, deps.mailFrom);
  const me = claimant();
  await db.notification.upsert({
    where: { idempotencyKey: n.idempotencyKey },
    create: {
      idempotencyKey: n.idempotencyKey,
      kind: n.kind,
      recipientStaffId: n.recipientStaffId ?? null,
      toAddress: n.toAddress,
      subject: n.subject,
      body: n.body,
      messageId,
    },
    update: {},
  });
  const [claimed] = await db.$queryRaw<{ id: string; toAddress: string; subject: string; body: string }[]>`
    UPDATE "Notification"
       SET status = 'SENDING', "claimedBy" = ${me.claimedBy}, "claimAttempt" = ${me.attempt},
           "leaseUntil" = now() + make_interval(secs => ${SEND_LEASE_MS / 1000}), attempts = attempts + 1, "lastAttemptAt" = now()
     WHERE "idempotencyKey" = ${n.idempotencyKey}
       AND (status IN ('PENDING', 'FAILED')
            OR (status = 'SENDING' AND ("leaseUntil" < now() OR ("claimedBy" = ${me.claimedBy} AND "claimAttempt" < ${me.attempt}))))
    RETURNING id, "toAddress", subject, body`;
  if (!claimed) {
    const row = await db.notification.findUniqueOrThrow({ where: { idempotencyKey: n.idempotencyKey } });
    if (row.status === 'SENT') return { notificationId: row.id, messageId, outcome: 'ALREADY_SENT' };
    throw ApplicationFailure.retryable(
      `notification ${n.idempotencyKey} is being sent by ${row.claimedBy ?? 'another attempt'} (lease until ${row.leaseUntil?.toISOString() ?? '?'})`,
      'EmailBeingSent',
    );
  }

  // The first beat after a second, not at once: the server times the heartbeat from the activity's
  // start, so a send that ends within the second (nearly all) needs none, and saves the server one
  // heartbeat call per email (issue 9, CPU per escalation); a worker killed mid-send is still noticed
  // HEARTBEAT (10 s) after the start or its last beat.
  const beat = setInterval(me.heartbeat, HEARTBEAT_EVERY_MS);
  try {
    await mailer.send({
      to: claimed.toAddress,
      subject: claimed.subject,
      text: claimed.body,
      ...(n.html ? { html: n.html } : {}),
      messageId,
      headers: { 'X-Idempotency-Key': n.idempotencyKey, 'X-Notification-Kind': n.kind },
    });
  } catch (err) {
    clearInterval(beat);
    const lastError = String((err as Error).message ?? err).slice(0, 1000);
    await db.$executeRaw`
      UPDATE "Notification" SET status = 'FAILED', "lastError" = ${lastError}, "leaseUntil" = NULL
       WHERE id = ${claimed.id}::uuid AND status = 'SENDING' AND "claimedBy" = ${me.claimedBy} AND "claimAttempt" = ${me.attempt}`;
    if (isPermanentRefusal(err)) throw ApplicationFailure.nonRetryable(`the mail server refused ${n.kind} ${n.idempotencyKey}: ${lastError}`, 'EmailRejected');
    throw err;
  }
  clearInterval(beat);
  await db.notification.update({ where: { id: claimed.id }, data: { status: 'SENT', sentAt: clock.now(), lastError: null, leaseUntil: null } });
  return { notificationId: claimed.id, messageId, outcome: 'SENT' };
}
