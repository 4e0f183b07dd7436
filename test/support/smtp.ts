/**
 * A real SMTP server in the test process (smtp-server + mailparser): tests send through nodemailer
 * over TCP and assert on what arrives, exactly as a mailbox would receive it.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  messageId: string;
  headers: Map<string, unknown>;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  messages: ReceivedEmail[];
  /** Resolves once `predicate` holds over the received messages (polls; fails after timeoutMs). */
  waitFor(predicate: (messages: ReceivedEmail[]) => boolean, timeoutMs?: number): Promise<ReceivedEmail[]>;
  /** Messages addressed to `address`. */
  to(address: string): ReceivedEmail[];
  /** Makes the next `count` deliveries fail with a temporary SMTP error (451). */
  failNext(count: number): void;
  /** Resolves when a client has begun sending a message body (DATA). */
  dataStarted: Promise<void>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Holds every message this long before answering 250, like a slow mail relay. */
  acceptDelayMs?: number;
}

export async function startTestSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedEmail[] = [];
  let failures = 0;
  let markDataStarted: () => void = () => undefined;
  const dataStarted = new Promise<void>((resolve) => (markDataStarted = resolve));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      markDataStarted();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          const err = Object.assign(new Error('temporary failure (test)'), { responseCode: 451 });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        new Promise((r) => setTimeout(r, options.acceptDelayMs ?? 0))
          .then(() => simpleParser(raw))
          .then((mail) => {
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              messageId: mail.messageId ?? '',
              headers: mail.headers,
              raw,
            });
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    dataStarted,
    to: (address) => messages.filter((m) => m.to.includes(address)),
    failNext(count) {
      failures = count;
    },
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > deadline) {
          throw new Error(`SMTP wait timed out; received: ${JSON.stringify(messages.map((m) => [m.to, m.subject]))}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
