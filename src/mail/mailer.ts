/** Outgoing email over SMTP (nodemailer). Activities depend on the Mailer interface, not on nodemailer. */
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
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

export function createSmtpMailer({ url, from }: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(email) {
      const info = await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
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
