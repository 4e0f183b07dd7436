/**
 * The drill's mail server (smtp-server + mailparser, as test/support/smtp.ts): a real SMTP server on
 * loopback that records every message it accepts — recipients, subject, text, Message-ID and
 * X-Idempotency-Key — and can be switched, while running, between
 *   - accept: answer 250 at once;
 *   - hold:   keep the answer to DATA back for `ms` (a slow relay, content scanning before queueing);
 *   - refuse: answer DATA with 451 (temporary failure; the client should try again later).
 * "Down" is a fault proxy in front of it (test/support/fault-proxy.ts `cut()`).
 *
 * When is a message delivered? When the server answers 250 on a connection that is still open
 * (RFC 5321 §4.1.1.4: the server takes responsibility with its reply). A held message whose client
 * went away before the answer (a SIGKILLed worker) is not delivered; it is counted as `abandoned`
 * so the drill can say how often that happened. Once the 250 is out, the message counts, whatever
 * the client does next — the window SMTP itself leaves open.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export type SmtpMode = { kind: 'accept' } | { kind: 'hold'; ms: number } | { kind: 'refuse' };

export interface RecordedEmail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  /** X-Idempotency-Key header ('' when absent). */
  idempotencyKey: string;
  /** ms since the epoch when the 250 went out. */
  deliveredAt: number;
}

export interface DrillSmtp {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly delivered: RecordedEmail[];
  setMode(mode: SmtpMode): void;
  /** Messages whose DATA arrived and whose answer is still being held. */
  holding(): number;
  /** Messages received (DATA complete) at least once: a second DATA for the same message counts again. */
  stats(): { received: number; refused: number; abandoned: number };
  /** Resolves when the next message's DATA is complete (in any mode). */
  nextData(): Promise<void>;
  close(): Promise<void>;
}

const header = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text;
  return typeof value === 'number' ? String(value) : '';
};

export async function startDrillSmtp(): Promise<DrillSmtp> {
  let mode: SmtpMode = { kind: 'accept' };
  const delivered: RecordedEmail[] = [];
  const counts = { received: 0, refused: 0, abandoned: 0 };
  const closedSessions = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let held = 0;
  let dataWaiters: (() => void)[] = [];

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // The drill holds answers for 70 s: the server's own idle limit must not cut them first.
    socketTimeout: 10 * 60_000,
    onClose(session) {
      closedSessions.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        counts.received += 1;
        const waiters = dataWaiters;
        dataWaiters = [];
        for (const w of waiters) w();
        const current = mode;
        if (current.kind === 'refuse') {
          counts.refused += 1;
          callback(Object.assign(new Error('temporary failure (drill: server refusing)'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = () => {
          if (closedSessions.has(session.id)) {
            counts.abandoned += 1;
            return;
          }
          simpleParser(raw)
            .then((mail) => {
              delivered.push({
                to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
                subject: mail.subject ?? '',
                text: mail.text ?? '',
                messageId: mail.messageId ?? '',
                idempotencyKey: header(mail.headers.get('x-idempotency-key')),
                deliveredAt: Date.now(),
              });
              callback();
            })
            .catch((err: Error) => callback(err));
        };
        if (current.kind === 'hold') {
          held += 1;
          const timer = setTimeout(() => {
            timers.delete(timer);
            held -= 1;
            answer();
          }, current.ms);
          timers.add(timer);
        } else answer();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    url: `smtp://127.0.0.1:${port}`,
    delivered,
    setMode(m) {
      mode = m;
    },
    holding: () => held,
    stats: () => ({ ...counts }),
    nextData: () => new Promise<void>((resolve) => dataWaiters.push(resolve)),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
