/**
 * src/temporal/dev-server.ts: a dev server that exits during start-up (here: its gRPC port is held by
 * another process, as when a port is taken between our check and its bind) is started again, and
 * after the last attempt the error says so and where its log is (`npm start` failed once in CI that way).
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { startDevServer } from '../../src/temporal/dev-server';

test('a dev server that cannot bind its port is tried three times, then the error names the address and its log', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ccm-devserver-')), 'server.log');
  const lines: string[] = [];
  try {
    await expect(startDevServer({ port, uiPort: false, logFile, log: (l) => lines.push(l), startupTimeoutMs: 20_000 })).rejects.toThrow(
      new RegExp(`Temporal server at 127\\.0\\.0\\.1:${port} exited during start-up \\(its log: ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`),
    );
    expect(lines.filter((l) => /exited during start-up \(its log: .*\) \(attempt \d of 3\): starting it again/.test(l))).toHaveLength(2);
  } finally {
    holder.close();
  }
}, 90_000);
