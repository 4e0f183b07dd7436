/**
 * A local mail sink for `npm start` without a mail server: accepts every message over plain SMTP
 * (no auth, no TLS; binds to loopback by default) and stores it as `<dir>/<timestamp>-<id>.eml`,
 * which any mail client opens. Nothing is ever relayed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface SinkMessage {
  id: string;
  /** ISO time the sink accepted the message. */
  receivedAt: string;
  /** Envelope sender (MAIL FROM); the From header address when the file has no Return-Path. */
  from: string;
  /** Envelope recipients (RCPT TO, so Bcc included); the To/Cc addresses when the file has none. */
  to: string[];
  subject: string;
  /** As in the Message-ID header, angle brackets included: `<abc@bank.example>`. */
  messageId?: string;
  /** X-* headers, names lower-cased, folded values unfolded; absent when there are none. */
  headers?: Record<string, string>;
}

export interface SmtpSink {
  /** smtp://host:port */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stored messages, newest first. */
  list(): Promise<SinkMessage[]>;
  /** One message: its summary, the raw RFC 822 text as stored, and the plain-text body. */
  read(id: string): Promise<{ summary: SinkMessage; raw: string; text: string } | undefined>;
}

export interface SmtpSinkOptions {
  dir: string;
  host?: string;
  /** 0 picks a free port (reported in `port` and `url`). */
  port: number;
  log?: (line: string) => void;
}

const FILE_NAME = /^(\d{8}T\d{9}Z)-([0-9a-f]+)\.eml$/;
const ID = /^[0-9a-f]+$/;
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const { host = '127.0.0.1', port, log } = options;
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  let lastStamp = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    // stop() should not wait the default 30 s for a client that keeps its connection pooled.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error(`message exceeds ${MAX_MESSAGE_BYTES} bytes`), { responseCode: 552 }));
          return;
        }
        // Strictly increasing, so file-name order is arrival order even within one millisecond.
        lastStamp = Math.max(Date.now(), lastStamp + 1);
        const id = randomBytes(6).toString('hex');
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const rcptTo = session.envelope.rcptTo.map((r: SMTPServerAddress) => r.address);
        // Trace headers a delivering MTA adds, so the file keeps the envelope (e.g. Bcc recipients).
        const trace = [`Return-Path: <${mailFrom}>`, ...rcptTo.map((a) => `Delivered-To: ${a}`)].join('\r\n');
        const raw = Buffer.concat([Buffer.from(`${trace}\r\n`), ...chunks]);
        const name = `${stampOf(lastStamp)}-${id}.eml`;
        const tmp = path.join(dir, `.${name}.tmp`);
        // Written aside and renamed, so list() never parses a half-written file; 250 only once on disk.
        writeFile(tmp, raw)
          .then(() => rename(tmp, path.join(dir, name)))
          .then(
            () => {
              log?.(`mail sink: ${mailFrom || '<>'} -> ${rcptTo.join(', ')} saved as ${name}`);
              callback(null, `queued as ${id}`);
            },
            (err: Error) => callback(err),
          );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `mail sink: ${host}:${port} is in use (another npm start? set EMBEDDED_SMTP_PORT or SMTP_URL)`
            : `mail sink: cannot listen on ${host}:${port}: ${err.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Errors after start-up (a client resetting its connection) must not crash the process.
  server.on('error', (err: Error) => log?.(`mail sink: ${err.message}`));
  const actualPort = (server.server.address() as AddressInfo).port;
  const url = `smtp://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  log?.(`mail sink on ${url}, messages in ${dir}`);

  const files = async (): Promise<string[]> =>
    (await readdir(dir)).filter((f) => FILE_NAME.test(f)).sort().reverse();

  const load = async (file: string): Promise<{ summary: SinkMessage; raw: string; parsed: ParsedMail }> => {
    const raw = await readFile(path.join(dir, file), 'utf8');
    const parsed = await simpleParser(raw);
    return { summary: summarize(file, parsed), raw, parsed };
  };

  let stopping: Promise<void> | undefined;
  return {
    url,
    port: actualPort,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() => log?.('mail sink stopped'))),
    list: async () => Promise.all((await files()).map(async (f) => (await load(f)).summary)),
    read: async (id) => {
      if (!ID.test(id)) return undefined;
      const file = (await files()).find((f) => f.endsWith(`-${id}.eml`));
      if (!file) return undefined;
      const { summary, raw, parsed } = await load(file);
      return { summary, raw, text: parsed.text ?? '' };
    },
  };
}

function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, ''); // 20261128T172558123Z
}

function summarize(file: string, mail: ParsedMail): SinkMessage {
  const [, stamp = '', id = ''] = FILE_NAME.exec(file) ?? [];
  const receivedAt = stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/, '$1-$2-$3T$4:$5:$6.$7Z');
  const lines = mail.headerLines.map(({ key, line }) => ({ key, value: headerValue(line) }));
  const returnPath = lines.find((h) => h.key === 'return-path')?.value.replace(/^<|>$/g, '');
  const deliveredTo = lines.filter((h) => h.key === 'delivered-to').map((h) => h.value);
  const headers: Record<string, string> = {};
  for (const { key, value } of lines) {
    if (key.startsWith('x-')) headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  return {
    id,
    receivedAt,
    from: returnPath || addresses(mail.from)[0] || '',
    to: deliveredTo.length ? deliveredTo : [...addresses(mail.to), ...addresses(mail.cc)],
    subject: mail.subject ?? '',
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
  };
}

function headerValue(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const walk = (list: AddressObject['value']): void => {
    for (const a of list) {
      if (a.address) out.push(a.address);
      if (a.group) walk(a.group);
    }
  };
  for (const obj of Array.isArray(field) ? field : field ? [field] : []) walk(obj.value);
  return out;
}
