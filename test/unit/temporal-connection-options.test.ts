/**
 * Issue 13, beyond one machine: the Temporal connection options every process builds from the
 * environment (src/temporal/connection-options.ts) and the checks of src/config/env.ts on
 * TEMPORAL_TLS_* / TEMPORAL_API_KEY — a certificate without its key, an unreadable or non-PEM file,
 * TLS settings without an address — each refused at start-up with one line naming the variable;
 * the API key never printed (§3.1).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/env';
import { describeTemporalConnection, temporalConnectionOptions } from '../../src/temporal/connection-options';

const PEM = (what: string) => `-----BEGIN ${what}-----\nMIIBfake\n-----END ${what}-----\n`;
// Made at load time: the test tables below name these files.
const dir = mkdtempSync(path.join(tmpdir(), 'ccm-tls-'));
const files = {
  ca: path.join(dir, 'ca.crt'),
  cert: path.join(dir, 'tls.crt'),
  key: path.join(dir, 'tls.key'),
  notPem: path.join(dir, 'notes.txt'),
  unreadable: path.join(dir, 'secret.key'),
};
writeFileSync(files.ca, PEM('CERTIFICATE'));
writeFileSync(files.cert, PEM('CERTIFICATE'));
writeFileSync(files.key, PEM('PRIVATE KEY'));
writeFileSync(files.notPem, 'not a certificate');
writeFileSync(files.unreadable, PEM('PRIVATE KEY'));
chmodSync(files.unreadable, 0o000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ADDRESS = 'temporal.bank.internal:7233';
/** A reader that hands out the file's name, so the test sees which file went where. */
const byName = (file: string) => Buffer.from(`contents of ${path.basename(file)}`);

describe('temporalConnectionOptions: one builder for the worker, the API and the CLI', () => {
  test('no TLS variable: plaintext to TEMPORAL_ADDRESS (the dev server, docker-compose)', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: ADDRESS }, { readFile: byName })).toEqual({ address: ADDRESS });
  });

  test('TEMPORAL_TLS=true: TLS with the system CAs, nothing read', () => {
    const read = jest.fn(byName);
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: true }, { readFile: read })).toEqual({ address: ADDRESS, tls: {} });
    expect(read).not.toHaveBeenCalled();
  });

  test('a private CA and a server name: server TLS checked against them', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: '10.0.0.7:7233', TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.bank.internal' }, { readFile: byName })).toEqual({
      address: '10.0.0.7:7233',
      tls: { serverRootCACertificate: Buffer.from('contents of ca.crt'), serverNameOverride: 'temporal.bank.internal' },
    });
  });

  test('mTLS: the client certificate and key as the pair, with the CA', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.key }, { readFile: byName })).toEqual({
      address: ADDRESS,
      tls: { serverRootCACertificate: Buffer.from('contents of ca.crt'), clientCertPair: { crt: Buffer.from('contents of tls.crt'), key: Buffer.from('contents of tls.key') } },
    });
  });

  test('Temporal Cloud API key: TLS on (system CAs) and the key', () => {
    expect(temporalConnectionOptions({ TEMPORAL_ADDRESS: 'ccm.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'cloud-key-0123456789abcdef' })).toEqual({
      address: 'ccm.a1b2c.tmprl.cloud:7233',
      tls: {},
      apiKey: 'cloud-key-0123456789abcdef',
    });
  });

  test('the address of a server the process started itself replaces TEMPORAL_ADDRESS (npm start)', () => {
    expect(temporalConnectionOptions({}, { address: '127.0.0.1:7233' })).toEqual({ address: '127.0.0.1:7233' });
  });

  test.each([
    [{ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CERT: files.cert }, 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together'],
    [{ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_KEY: files.key }, 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together'],
    [{ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS: false, TEMPORAL_TLS_CA: files.ca }, 'TEMPORAL_TLS=false contradicts'],
    [{}, 'TEMPORAL_ADDRESS is not set'],
  ])('refused: %j', (env, message) => {
    expect(() => temporalConnectionOptions(env, { readFile: byName })).toThrow(message);
  });

  test('the real files are read when no reader is given', () => {
    const options = temporalConnectionOptions({ TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: files.ca });
    expect(options.tls?.serverRootCACertificate?.toString()).toBe(PEM('CERTIFICATE'));
  });

  test('describeTemporalConnection names the files and never the API key', () => {
    const env = { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.key, TEMPORAL_API_KEY: 'cloud-key-0123456789abcdef' };
    const line = describeTemporalConnection(env, temporalConnectionOptions(env, { readFile: byName }));
    expect(line).toBe(`${ADDRESS} (TLS: CA ${files.ca}, mTLS client certificate ${files.cert}, API key)`);
    expect(line).not.toContain('cloud-key');
    expect(describeTemporalConnection({}, { address: ADDRESS })).toBe(`${ADDRESS} (plaintext)`);
  });
});

describe('src/config/env.ts: TEMPORAL_TLS_* and TEMPORAL_API_KEY at start-up', () => {
  const load = (vars: Record<string, string>) => loadConfig({ TEMPORAL_ADDRESS: ADDRESS, ...vars });
  const errorOf = (vars: Record<string, string>) => {
    try {
      load(vars);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('valid files and values parse', () => {
    expect(load({ TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.key, TEMPORAL_TLS_SERVER_NAME: 'temporal.bank.internal', TEMPORAL_TLS: 'true' })).toMatchObject({
      TEMPORAL_TLS: true,
      TEMPORAL_TLS_CA: files.ca,
      TEMPORAL_TLS_CERT: files.cert,
      TEMPORAL_TLS_KEY: files.key,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.bank.internal',
    });
  });

  test('a certificate without its key (and the reverse) names the missing variable', () => {
    expect(errorOf({ TEMPORAL_TLS_CERT: files.cert })).toBe('TEMPORAL_TLS_KEY is not set: mTLS needs the client private key with TEMPORAL_TLS_CERT');
    expect(errorOf({ TEMPORAL_TLS_KEY: files.key })).toBe('TEMPORAL_TLS_CERT is not set: mTLS needs the client certificate with TEMPORAL_TLS_KEY');
  });

  test('a missing, unreadable, non-PEM file or a directory: the variable, the path and why', () => {
    expect(errorOf({ TEMPORAL_TLS_CA: path.join(dir, 'nope.crt') })).toBe(`TEMPORAL_TLS_CA=${JSON.stringify(path.join(dir, 'nope.crt'))} is invalid: expected the CA certificate: a readable PEM file (no such file)`);
    expect(errorOf({ TEMPORAL_TLS_CA: files.notPem })).toBe(`TEMPORAL_TLS_CA=${JSON.stringify(files.notPem)} is invalid: expected the CA certificate: a readable PEM file (no -----BEGIN …----- block in it)`);
    expect(errorOf({ TEMPORAL_TLS_CA: dir })).toBe(`TEMPORAL_TLS_CA=${JSON.stringify(dir)} is invalid: expected the CA certificate: a readable PEM file (not a file)`);
    // root reads any file whatever its mode; the check is the process's own access.
    if (process.getuid?.() !== 0) {
      expect(errorOf({ TEMPORAL_TLS_CERT: files.cert, TEMPORAL_TLS_KEY: files.unreadable })).toBe(
        `TEMPORAL_TLS_KEY=${JSON.stringify(files.unreadable)} is invalid: expected the client private key: a readable PEM file (permission denied)`,
      );
    }
  });

  test('TLS settings without TEMPORAL_ADDRESS are refused (npm start’s own dev server has no TLS)', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CA: files.ca })).toThrow('TEMPORAL_ADDRESS is not set, but TEMPORAL_TLS_CA is');
  });

  test('TEMPORAL_TLS=false with a TLS file contradicts it', () => {
    expect(errorOf({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: files.ca })).toBe('TEMPORAL_TLS=false contradicts TEMPORAL_TLS_CA (each needs TLS)');
  });

  test('a bad TEMPORAL_API_KEY is refused without printing it; a bad server name is shown', () => {
    const message = errorOf({ TEMPORAL_API_KEY: 'short key' });
    expect(message).toBe('TEMPORAL_API_KEY=*** is invalid: expected an API key (16 or more characters, no spaces)');
    expect(errorOf({ TEMPORAL_TLS_SERVER_NAME: 'not a host!' })).toBe('TEMPORAL_TLS_SERVER_NAME="not a host!" is invalid: expected a host name such as temporal.bank.internal');
  });
});
