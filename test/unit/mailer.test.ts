/**
 * The SMTP mailer (src/mail/mailer.ts) against a real SMTP server (smtp-server): emails sent one after
 * another share one pooled session, a burst opens at most SMTP_POOL.maxConnections, and a session the
 * server closed is replaced on the next send.
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createSmtpMailer, SMTP_POOL } from '../../src/mail/mailer';

interface Recorder {
  server: SMTPServer;
  port: number;
  connections: number;
  messages: number;
}

async function startRecorder(): Promise<Recorder> {
  const rec = { connections: 0, messages: 0 } as Recorder;
  rec.server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onConnect: (_session, cb) => {
      rec.connections += 1;
      cb();
    },
    onData: (stream, _session, cb) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        rec.messages += 1;
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => rec.server.listen(0, '127.0.0.1', resolve));
  rec.port = (rec.server.server.address() as net.AddressInfo).port;
  return rec;
}

const email = (i: number) => ({ to: `rm${i}@bank.test`, subject: `Reminder ${i}`, text: 'text', messageId: `<m${i}@bank.test>` });

test('emails sent one after another share one SMTP session', async () => {
  const rec = await startRecorder();
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${rec.port}`, from: 'care@bank.test' });
  try {
    for (let i = 0; i < 5; i += 1) await mailer.send(email(i));
    expect({ messages: rec.messages, connections: rec.connections }).toEqual({ messages: 5, connections: 1 });
  } finally {
    mailer.close();
    await new Promise<void>((r) => rec.server.close(() => r()));
  }
});

test(`a burst of 40 emails opens at most ${SMTP_POOL.maxConnections} sessions; a session the server closed is replaced`, async () => {
  const rec = await startRecorder();
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${rec.port}`, from: 'care@bank.test' });
  try {
    const sent = await Promise.all(Array.from({ length: 40 }, (_, i) => mailer.send(email(i))));
    expect(sent.map((s) => s.accepted)).toEqual(Array.from({ length: 40 }, (_, i) => [`rm${i}@bank.test`]));
    expect(rec.messages).toBe(40);
    expect(rec.connections).toBeGreaterThanOrEqual(1);
    expect(rec.connections).toBeLessThanOrEqual(SMTP_POOL.maxConnections);

    // The server drops every open session (as a relay restarting does); the next email still goes out.
    for (const socket of (rec.server as unknown as { connections: Set<{ close(): void }> }).connections) socket.close();
    await new Promise((r) => setTimeout(r, 200));
    const before = rec.connections;
    await mailer.send(email(99));
    expect(rec.messages).toBe(41);
    expect(rec.connections).toBe(before + 1);
  } finally {
    mailer.close();
    await new Promise<void>((r) => rec.server.close(() => r()));
  }
});

test('its timeouts apply: a server that never greets fails the send after the greeting timeout, not nodemailer’s 30 s', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'care@bank.test', timeouts: { connection: 5_000, greeting: 300, socket: 5_000 } });
  try {
    const started = Date.now();
    await expect(mailer.send(email(1))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    mailer.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});
