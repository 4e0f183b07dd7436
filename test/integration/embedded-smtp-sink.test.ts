/**
 * The local mail sink `npm start` uses without SMTP_URL: nodemailer delivers to it over SMTP and the
 * messages land as .eml files that list()/read() show, newest first.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';

let dir: string;
let sink: SmtpSink | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ccm-smtp-sink-'));
});

afterAll(async () => {
  await sink?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('stores what nodemailer sends as .eml files and lists them newest first', async () => {
  sink = await startSmtpSink({ dir: path.join(dir, 'mail'), port: 0 });
  expect(sink.port).toBeGreaterThan(0);
  expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);

  const transport = nodemailer.createTransport(sink.url);
  try {
    await transport.sendMail({
      from: 'Customer Care <customer-care@bank.example>',
      to: 'ann@bank.example',
      subject: 'Reminder: review client file',
      text: 'Please review the file of client 42 today.',
      messageId: '<reminder-1@bank.example>',
      headers: { 'X-Idempotency-Key': 'reminder:42:2026-11-28' },
    });
    await transport.sendMail({
      from: 'customer-care@bank.example',
      to: 'bob@bank.example',
      bcc: 'supervisor@bank.example',
      subject: 'Escalation: reminder not acknowledged',
      text: 'Ann did not acknowledge the reminder.',
    });
  } finally {
    transport.close();
  }

  const files = (await readdir(path.join(dir, 'mail'))).sort();
  expect(files).toHaveLength(2);
  for (const file of files) expect(file).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]+\.eml$/);
  const firstRaw = await readFile(path.join(dir, 'mail', files[0] ?? ''), 'utf8');
  expect(firstRaw).toMatch(/^Subject: Reminder: review client file$/m);

  const list = await sink.list();
  expect(list.map((m) => m.subject)).toEqual(['Escalation: reminder not acknowledged', 'Reminder: review client file']);
  const [escalation, reminder] = list;
  expect(escalation).toMatchObject({ from: 'customer-care@bank.example', to: ['bob@bank.example', 'supervisor@bank.example'] });
  expect(escalation?.headers).toBeUndefined();
  expect(reminder).toMatchObject({
    from: 'customer-care@bank.example',
    to: ['ann@bank.example'],
    messageId: '<reminder-1@bank.example>',
    headers: { 'x-idempotency-key': 'reminder:42:2026-11-28' },
  });
  expect(Date.parse(reminder?.receivedAt ?? '')).toBeLessThanOrEqual(Date.parse(escalation?.receivedAt ?? ''));
  expect(Math.abs(Date.now() - Date.parse(reminder?.receivedAt ?? ''))).toBeLessThan(60_000);

  const read = await sink.read(reminder?.id ?? '');
  expect(read?.summary).toEqual(reminder);
  expect(read?.text.trim()).toBe('Please review the file of client 42 today.');
  expect(read?.raw).toContain('X-Idempotency-Key: reminder:42:2026-11-28');
  expect(read?.raw).toContain('Message-ID: <reminder-1@bank.example>');
  expect(await sink.read('0000deadbeef')).toBeUndefined();
  expect(await sink.read('../../etc/passwd')).toBeUndefined();
});

test('a second sink on a taken port fails with a clear message; stop() frees the port', async () => {
  if (!sink) throw new Error('the first test starts the sink');
  const { port } = sink;
  await expect(startSmtpSink({ dir: path.join(dir, 'other'), port })).rejects.toThrow(/is in use/);
  await sink.stop();
  sink = await startSmtpSink({ dir: path.join(dir, 'mail'), port });
  expect(sink.port).toBe(port);
  expect(await sink.list()).toHaveLength(2); // the stored mail outlives the server
});
