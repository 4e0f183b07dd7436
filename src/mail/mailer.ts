/** Outgoing email over SMTP (nodemailer). Activities depend on the Mailer interface, not on nodemailer. */
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable per notification, so a duplicate delivery is recognisable downstream. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface SendResult {
  messageId: string;
  accepted: string[];
  response: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<SendResult>;
  /** Checks the SMTP server answers (used by /health). */
  verify(): Promise<void>;
  close(): void;
}

/**
 * SMTP timeouts (issue 7): a server that does not answer fails the send instead of holding it open.
 * Their sum (110 s) stays below the notification lease (SEND_LEASE_MS, 5 min, activities/notifications.ts)
 * and the email activities' start-to-close timeout (3 min, workflows/activity-options.ts); the socket
 * timeout is long enough for a slow relay (one seen taking 70 s to accept a message).
 */
export const SMTP_TIMEOUTS_MS = { connection: 10_000, greeting: 10_000, socket: 90_000 } as const;

/**
 * SMTP connections are pooled (issue 9, the escalation benchmark): a burst of escalations or digests
 * reuses up to `maxConnections` open sessions instead of a TCP connect, greeting, EHLO and QUIT per
 * email; a session is replaced after `maxMessages`, and one the server closed is opened again on the
 * next send (a send that fails is retried by its activity, once-only by its key).
 */
export const SMTP_POOL = { maxConnections: 4, maxMessages: 100 } as const;

export function createSmtpMailer({ url, from, timeouts = SMTP_TIMEOUTS_MS }: { url: string; from: string; timeouts?: { connection: number; greeting: number; socket: number } }): Mailer {
  // One options object: nodemailer reads a second argument as message defaults, not transport
  // options (so these timeouts were not applied before issue 9). Parameters in the URL win.
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    ...SMTP_POOL,
    connectionTimeout: timeouts.connection,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.socket,
  } as object);
  return {
    async send(email) {
      const info = await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        ...(email.html ? { html: email.html } : {}),
        messageId: email.messageId,
        headers: email.headers,
      });
      return {
        messageId: info.messageId,
        accepted: (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address)),
        response: info.response,
      };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
