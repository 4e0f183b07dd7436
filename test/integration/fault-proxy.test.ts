/**
 * The fault proxy in front of the three real dependencies it is made for (issue 7): PostgreSQL
 * (pg wire protocol), the Temporal dev server (gRPC over HTTP/2, both the TS client and the Rust
 * core's NativeConnection) and SMTP (a real server from test/support/smtp.ts). Plain-TCP behaviour
 * is in test/unit/fault-proxy.test.ts.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { createSmtpMailer } from '../../src/mail/mailer';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp';
import { devServerAddress } from '../support/temporal';

function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}

describe('PostgreSQL behind the proxy', () => {
  let proxy: FaultProxy;
  let proxiedUrl: string;

  beforeAll(async () => {
    const direct = new URL(process.env.DATABASE_URL!);
    proxy = await startFaultProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.hostname = proxy.host;
    direct.port = String(proxy.port);
    proxiedUrl = direct.toString();
  });
  afterAll(() => proxy.close());

  test('queries pass; a pause holds a query until resume; a cut fails it and refuses new connections', async () => {
    const client = new pg.Client({ connectionString: proxiedUrl });
    await client.connect();
    expect((await client.query('SELECT 1 + 1 AS two')).rows).toEqual([{ two: 2 }]);

    proxy.pause();
    let settled = false;
    const held = client.query('SELECT 42 AS answer').finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    proxy.resume();
    expect((await held).rows).toEqual([{ answer: 42 }]);

    client.on('error', () => undefined); // the cut is reported on the client too
    const failing = client.query('SELECT pg_sleep(5)');
    await new Promise((r) => setTimeout(r, 200));
    proxy.cut();
    await expect(failing).rejects.toThrow(/Connection terminated/);

    const refused = new pg.Client({ connectionString: proxiedUrl });
    refused.on('error', () => undefined);
    await expect(refused.connect()).rejects.toThrow();

    proxy.restore();
    const again = new pg.Client({ connectionString: proxiedUrl });
    await again.connect();
    expect((await again.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await again.end();
  });
});

describe('SMTP behind the proxy', () => {
  let smtp: TestSmtpServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    proxy = await startFaultProxy(hostPort(smtp.url.replace('smtp://', '')));
  });
  afterAll(async () => {
    await proxy.close();
    await smtp.close();
  });

  test('a message sent through it arrives once; verify fails while cut and passes after restore', async () => {
    const mailer = createSmtpMailer({ url: `smtp://${proxy.address}`, from: 'care@bank.test' });
    try {
      await mailer.send({ to: 'rm@bank.test', subject: 'through the proxy', text: 'hello', messageId: '<proxy-1@bank.test>' });
      const got = await smtp.waitFor((m) => m.length === 1);
      expect(got[0]).toMatchObject({ subject: 'through the proxy', to: ['rm@bank.test'] });

      proxy.cut();
      await expect(mailer.verify()).rejects.toThrow();
      proxy.restore();
      await expect(mailer.verify()).resolves.toBeUndefined();
    } finally {
      mailer.close();
    }
  });
});

describe('Temporal behind the proxy', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(hostPort(devServerAddress()));
  });
  afterAll(() => proxy.close());

  test('the TS client and the native (Rust core) connection both work through it', async () => {
    const connection = await Connection.connect({ address: proxy.address });
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.capabilities).toBeDefined();
    const native = await NativeConnection.connect({ address: proxy.address });
    const fromCore = await native.workflowService.getSystemInfo({});
    expect(fromCore.capabilities).toBeDefined();
    expect(proxy.connections()).toBeGreaterThanOrEqual(2);
    await native.close();
    await connection.close();
  });

  test('a cut proxy makes a connect attempt fail instead of reaching the server', async () => {
    proxy.cut();
    try {
      await expect(Connection.connect({ address: proxy.address, connectTimeout: 1500 })).rejects.toThrow();
    } finally {
      proxy.restore();
    }
    const connection = await Connection.connect({ address: proxy.address });
    await connection.workflowService.getSystemInfo({});
    await connection.close();
  });
});
