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
  /** How many message bodies (DATA) clients have begun sending, delivered or not. */
  readonly transfers: number;
  /** How many deliveries were refused with 451 (failNext). */
  readonly refusals: number;
  /** holdUntilReleased: how many messages are held unanswered right now (received in full, waiting for 250). */
  readonly held: number;
  /** How many held messages were given up by their client (disconnected before the answer), never delivered. */
  readonly abandoned: number;
  /** holdUntilReleased: answers the held messages (250) and holds no more. */
  release(): void;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Holds every message this long before answering 250, like a slow mail relay. */
  acceptDelayMs?: number;
  /**
   * Holds every message, unanswered, until `release()`. Like a real MTA, which takes responsibility
   * for a message only when it answers 250: a message whose client disconnects while it is held is
   * not delivered (it is counted in `abandoned`, not in `messages`).
   */
  holdUntilReleased?: boolean;
}

export async function startTestSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedEmail[] = [];
  let failures = 0;
  let transfers = 0;
  let refusals = 0;
  let abandoned = 0;
  let holding = options.holdUntilReleased ?? false;
  /** Messages held unanswered (holdUntilReleased), by SMTP session id. */
  const held = new Set<{ sessionId: string; settle: (outcome: 'released' | 'abandoned') => void }>();
  const holdIf = (sessionId: string): Promise<'released' | 'abandoned'> =>
    holding
      ? new Promise((resolve) => {
          const entry = { sessionId, settle: (outcome: 'released' | 'abandoned') => (held.delete(entry), resolve(outcome)) };
          held.add(entry);
        })
      : Promise.resolve('released');
  let markDataStarted: () => void = () => undefined;
  const dataStarted = new Promise<void>((resolve) => (markDataStarted = resolve));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onClose(session) {
      for (const entry of [...held]) if (entry.sessionId === session.id) entry.settle('abandoned');
    },
    onData(stream, session, callback) {
      transfers += 1;
      markDataStarted();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          refusals += 1;
          const err = Object.assign(new Error('temporary failure (test)'), { responseCode: 451 });
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        holdIf(session.id)
          .then(async (outcome) => {
            if (outcome === 'abandoned') {
              abandoned += 1; // the client is gone: no answer, no delivery
              return;
            }
            await new Promise((r) => setTimeout(r, options.acceptDelayMs ?? 0));
            const mail = await simpleParser(raw);
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
    get transfers() {
      return transfers;
    },
    get refusals() {
      return refusals;
    },
    get abandoned() {
      return abandoned;
    },
    get held() {
      return held.size;
    },
    release() {
      holding = false;
      for (const entry of [...held]) entry.settle('released');
    },
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
    close: () => {
      holding = false;
      for (const entry of [...held]) entry.settle('abandoned');
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
