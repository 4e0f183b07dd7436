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
  // Something that is not Temporal holds the port: it accepts connections and never answers. The
  // readiness probes' gRPC channels keep a connection to it open until it ends them (grpc-js closes an
  // HTTP/2 session that never got the server's settings gracefully, and waits): ended in `finally`,
  // else the socket outlives the test in jest's worker (the one handle a full run left open from one
  // file into the next).
  const accepted = new Set<net.Socket>();
  const holder = net.createServer((socket) => {
    accepted.add(socket);
    socket.on('close', () => accepted.delete(socket));
  });
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
    for (const socket of accepted) socket.destroy();
    holder.close();
  }
}, 90_000);
