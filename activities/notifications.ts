/**
 * Sends an email at most once per idempotency key, however often Temporal retries the activity.
 *
 * The notification row is created first (keyed by idempotencyKey) and locked FOR UPDATE while the
 * message goes out, so two attempts running at once serialise, and an attempt that finds it SENT
 * returns without sending. The only window left is a worker dying after the SMTP server accepted
 * the message and before the row commits; the retry then sends the same Message-ID, which mail
 * systems de-duplicate. That is as close to exactly-once as SMTP allows.
 */
import { createHash } from 'node:crypto';
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

/** Longest a send may hold the row lock; SMTP servers answer within seconds. */
const SEND_TRANSACTION_TIMEOUT_MS = 60_000;

export async function sendEmailOnce(deps: NotificationDeps, n: EmailNotification): Promise<EmailOutcome> {
  const { db, mailer, clock } = deps;
  const messageId = messageIdFor(n.idempotencyKey, deps.mailFrom);
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
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ id: string; status: string }[]>`
        SELECT id, status::text AS status FROM "Notification" WHERE "idempotencyKey" = ${n.idempotencyKey} FOR UPDATE`;
      if (!row) throw new Error(`notification ${n.idempotencyKey} vanished`);
      if (row.status === 'SENT') return { notificationId: row.id, messageId, outcome: 'ALREADY_SENT' as const };
      await tx.notification.update({ where: { id: row.id }, data: { attempts: { increment: 1 } } });
      const stored = await tx.notification.findUniqueOrThrow({ where: { id: row.id } });
      await mailer.send({
        to: stored.toAddress,
        subject: stored.subject,
        text: stored.body,
        messageId,
        headers: { 'X-Idempotency-Key': n.idempotencyKey, 'X-Notification-Kind': n.kind },
      });
      await tx.notification.update({ where: { id: row.id }, data: { status: 'SENT', sentAt: clock.now(), lastError: null } });
      return { notificationId: row.id, messageId, outcome: 'SENT' as const };
    },
    { timeout: SEND_TRANSACTION_TIMEOUT_MS, maxWait: SEND_TRANSACTION_TIMEOUT_MS },
  );
}
