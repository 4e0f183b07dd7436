/**
 * src/config/env.ts: the process environment, validated once at start-up. What an operator sees:
 * the defaults when nothing is set, and for each bad variable exactly one line naming the variable,
 * the value and what is expected.
 */
import { ConfigError, envSchema, loadConfig, type Env } from '../../src/config/env';

const DEFAULTS: Env = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  TEMPORAL_NAMESPACE: 'default',
  TASK_QUEUE: 'customer-care',
  RISK_TASK_QUEUE: 'ccm-risk',
  RISK_ACTIVITIES_PER_SECOND: 10,
  RISK_MAX_CONCURRENT_ACTIVITIES: 2,
  TEMPORAL_UI_PORT: 8233,
  TEMPORAL_PORT: 7233,
  MAIL_FROM: 'customer-care@bank.example',
  API_HOST: '127.0.0.1',
  API_PORT: 3000,
  DATA_DIR: '.data',
  EMBEDDED_PG_PORT: 5433,
  EMBEDDED_SMTP_PORT: 2525,
  SHUTDOWN_GRACE_SECONDS: 30,
  WORKER_MAX_CACHED_WORKFLOWS: 250,
  WORKER_QUEUES: ['main', 'risk'],
};

function configErrorOf(source: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(source)}`);
}

describe('loadConfig defaults', () => {
  it('an empty environment gives the documented defaults, with the optional services unset', () => {
    const env = loadConfig({});
    expect(env).toEqual(DEFAULTS);
    expect(env.TEMPORAL_ADDRESS).toBeUndefined(); // → npm start runs the Temporal dev server itself
    expect(env.DATABASE_URL).toBeUndefined(); // → embedded PostgreSQL
    expect(env.SMTP_URL).toBeUndefined(); // → local mail sink
  });

  it.each(Object.entries(DEFAULTS))('%s defaults to %j', (key, value) => {
    expect(loadConfig({})[key as keyof Env]).toEqual(value);
  });

  it('empty strings count as unset for every variable (no error, defaults apply)', () => {
    const allEmpty = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, '']));
    expect(loadConfig(allEmpty)).toEqual(DEFAULTS);
  });

  it.each(['TEMPORAL_ADDRESS', 'DATABASE_URL', 'SMTP_URL'])('an empty %s leaves the service unset', (key) => {
    expect(loadConfig({ [key]: '' })).not.toHaveProperty(key);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', API_PORTT: 'x' })).toEqual(DEFAULTS);
  });

  it('does not read process.env when a source is given', () => {
    const saved = process.env.API_PORT;
    process.env.API_PORT = '70000';
    try {
      expect(loadConfig({}).API_PORT).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.API_PORT;
      else process.env.API_PORT = saved;
    }
  });
});

describe('loadConfig accepts valid values', () => {
  it.each<[string, string, unknown]>([
    ['TEMPORAL_ADDRESS', '127.0.0.1:7233', '127.0.0.1:7233'],
    ['TEMPORAL_ADDRESS', 'temporal:7233', 'temporal:7233'],
    ['TEMPORAL_ADDRESS', 'temporal-frontend.prod.internal:443', 'temporal-frontend.prod.internal:443'],
    ['API_PORT', '0', 0],
    ['API_PORT', '8080', 8080],
    ['API_PORT', '65535', 65535],
    ['TEMPORAL_UI_PORT', '18233', 18233],
    ['TEMPORAL_PORT', '7234', 7234],
    ['EMBEDDED_PG_PORT', '5432', 5432],
    ['EMBEDDED_SMTP_PORT', '1025', 1025],
    ['DATABASE_URL', 'postgresql://ccm:secret@db:5432/ccm', 'postgresql://ccm:secret@db:5432/ccm'],
    ['DATABASE_URL', 'postgres://ccm@localhost/ccm?sslmode=require', 'postgres://ccm@localhost/ccm?sslmode=require'],
    ['SMTP_URL', 'smtp://mail:25', 'smtp://mail:25'],
    ['SMTP_URL', 'smtps://user:pass@smtp.bank.example:465', 'smtps://user:pass@smtp.bank.example:465'],
    ['MAIL_FROM', 'care@bank.example', 'care@bank.example'],
    ['SHUTDOWN_GRACE_SECONDS', '1', 1],
    ['SHUTDOWN_GRACE_SECONDS', '3600', 3600],
    ['WORKER_MAX_CACHED_WORKFLOWS', '0', 0],
    ['WORKER_MAX_CACHED_WORKFLOWS', '2', 2],
    ['WORKER_MAX_CACHED_WORKFLOWS', '250', 250],
    ['WORKER_MAX_CACHED_WORKFLOWS', ' 5000 ', 5000],
    ['WORKER_MAX_CACHED_WORKFLOWS', '100000', 100000],
    // §6 the production layout: the cases' worker and the portfolio pages' worker in two processes.
    ['WORKER_QUEUES', 'main', ['main']],
    ['WORKER_QUEUES', 'risk', ['risk']],
    ['WORKER_QUEUES', 'risk, main', ['main', 'risk']],
    ['WORKER_QUEUES', 'main,main', ['main']],
    ['NODE_ENV', 'production', 'production'],
    ['NODE_ENV', 'test', 'test'],
    ['LOG_LEVEL', 'silent', 'silent'],
    ['LOG_LEVEL', 'trace', 'trace'],
    ['TEMPORAL_NAMESPACE', 'ccm-prod', 'ccm-prod'],
    ['TASK_QUEUE', 'care-eu', 'care-eu'],
    ['DATA_DIR', '/var/lib/ccm', '/var/lib/ccm'],
    ['API_HOST', '0.0.0.0', '0.0.0.0'],
    // Issue 12: the Temporal UI the console's process links open.
    ['TEMPORAL_UI_URL', 'https://temporal.bank.example/', 'https://temporal.bank.example'],
    ['TEMPORAL_UI_URL', 'http://localhost:18233', 'http://localhost:18233'],
  ])('%s=%s → %j', (key, raw, parsed) => {
    const env = loadConfig({ [key]: raw });
    expect(env[key as keyof Env]).toEqual(parsed);
    expect(env).toEqual({ ...DEFAULTS, [key]: parsed });
  });
});

describe('loadConfig rejects a bad value with one line: variable, value, expectation', () => {
  it.each<[string, string, RegExp]>([
    ['TEMPORAL_ADDRESS', 'localhost', /host:port, e\.g\. 127\.0\.0\.1:7233/],
    ['TEMPORAL_ADDRESS', 'localhost:', /host:port/],
    ['TEMPORAL_ADDRESS', ':7233', /host:port/],
    ['TEMPORAL_ADDRESS', 'http://localhost:7233', /host:port/],
    ['TEMPORAL_ADDRESS', 'localhost:7233/', /host:port/],
    ['TEMPORAL_ADDRESS', 'localhost:123456', /host:port/],
    ['API_PORT', '70000', /65535/],
    ['TEMPORAL_UI_URL', 'temporal.bank.example', /http/],
    ['TEMPORAL_UI_URL', 'https://temporal.bank.example/?ns=x', /without \? or #/],
    ['API_PORT', '65536', /65535/],
    ['API_PORT', '-1', /a port number 0–65535/],
    ['API_PORT', '3000.5', /a port number 0–65535/],
    ['API_PORT', 'http', /number/],
    ['TEMPORAL_UI_PORT', '99999', /65535/],
    ['TEMPORAL_PORT', '-7233', /a port number 0–65535/],
    ['EMBEDDED_PG_PORT', '65536', /65535/],
    ['EMBEDDED_SMTP_PORT', 'smtp', /number/],
    ['DATABASE_URL', 'mysql://ccm@db:3306/ccm', /a URL starting with postgresql:\/\/ or postgres:\/\//],
    ['DATABASE_URL', 'sqlite:///tmp/ccm.db', /a URL starting with postgresql:\/\/ or postgres:\/\//],
    ['DATABASE_URL', 'postgresqlx://db/ccm', /a URL starting with postgresql:\/\/ or postgres:\/\//],
    ['SMTP_URL', 'http://mail.bank.example', /a URL starting with smtp:\/\/ or smtps:\/\//],
    ['SMTP_URL', 'smtpx://mail:25', /a URL starting with smtp:\/\/ or smtps:\/\//],
    ['MAIL_FROM', 'not-an-email', /an e-mail address/],
    ['MAIL_FROM', 'Customer Care <care@bank.example>', /an e-mail address/],
    ['MAIL_FROM', 'care@', /an e-mail address/],
    ['SHUTDOWN_GRACE_SECONDS', '0', /whole seconds 1–3600/],
    ['SHUTDOWN_GRACE_SECONDS', '-5', /whole seconds 1–3600/],
    ['SHUTDOWN_GRACE_SECONDS', '3601', /whole seconds 1–3600/],
    ['SHUTDOWN_GRACE_SECONDS', '1.5', /whole seconds 1–3600/],
    // 1 is not a cache the SDK accepts (it silently makes it 2): said at start-up instead.
    ['WORKER_MAX_CACHED_WORKFLOWS', '1', /0 \(no cache\) or 2–100000/],
    ['WORKER_MAX_CACHED_WORKFLOWS', '100001', /0 \(no cache\) or 2–100000/],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-1', /0 \(no cache\) or 2–100000/],
    ['WORKER_MAX_CACHED_WORKFLOWS', '1e3', /0 \(no cache\) or 2–100000/],
    ['WORKER_MAX_CACHED_WORKFLOWS', 'unlimited', /a whole number of workflows/],
    ['WORKER_QUEUES', 'cases', /main, risk, or main,risk/],
    ['WORKER_QUEUES', 'main,', /main, risk, or main,risk/],
    ['NODE_ENV', 'staging', /one of development, test, production/],
    ['LOG_LEVEL', 'verbose', /one of fatal, error, warn, info, debug, trace, silent/],
  ])('%s=%s', (key, value, expectation) => {
    const err = configErrorOf({ [key]: value });
    expect(err.name).toBe('ConfigError');
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message.startsWith(`${key}=${JSON.stringify(value)} is invalid: expected `)).toBe(true);
    expect(err.message).toMatch(expectation);
  });

  it('several bad values → one line each, every line naming its own variable and value', () => {
    const bad: Record<string, string> = {
      TEMPORAL_ADDRESS: 'localhost',
      API_PORT: '70000',
      DATABASE_URL: 'mysql://ccm@db:3306/ccm',
      SMTP_URL: 'http://mail.bank.example',
      MAIL_FROM: 'not-an-email',
      SHUTDOWN_GRACE_SECONDS: '0',
    };
    const lines = configErrorOf({ ...bad, API_HOST: '0.0.0.0', TASK_QUEUE: 'ok' }).message.split('\n');
    expect(lines).toHaveLength(Object.keys(bad).length);
    const byKey = new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line]));
    expect([...byKey.keys()].sort()).toEqual(Object.keys(bad).sort());
    for (const [key, value] of Object.entries(bad)) {
      expect(byKey.get(key)).toMatch(new RegExp(`^${key}=${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid: expected \\S`));
    }
  });

  it('a valid variable next to a bad one is not reported', () => {
    const err = configErrorOf({ API_PORT: '8080', TEMPORAL_PORT: '70000' });
    expect(err.message).toMatch(/^TEMPORAL_PORT="70000" is invalid: expected /);
    expect(err.message).not.toContain('API_PORT');
  });
});

describe('fixed defects (regression tests)', () => {
  // was a bug in src/config/env.ts:22-23 — the regex takes any 1–5 digits, so a port above 65535 passes and only
  // fails later when the worker tries to connect.
  it('TEMPORAL_ADDRESS with a port above 65535 is rejected at start-up', () => {
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'localhost:99999' })).toThrow(ConfigError);
  });

  // was a bug in src/config/env.ts:7 — z.coerce.number() turns a blank value into 0 (Number(' ') === 0): a
  // whitespace-only API_PORT silently binds a random free port instead of 3000 or an error.
  it('a whitespace-only API_PORT is not taken as port 0', () => {
    expect(() => loadConfig({ API_PORT: ' ' })).toThrow(ConfigError);
  });

  // was a bug in src/config/env.ts:8-14 — .url() and the protocol refine both report on a non-URL, so one bad
  // variable gives two lines (the module promises one line per bad variable).
  it('a DATABASE_URL that is not a URL at all gives exactly one line', () => {
    expect(configErrorOf({ DATABASE_URL: 'not a url' }).message.split('\n')).toHaveLength(1);
  });
});

describe('WORKER_MAX_CACHED_WORKFLOWS (the sticky cache the worker passes as maxCachedWorkflows)', () => {
  it('defaults to 250: idle lifecycles need not stay cached', () => {
    expect(loadConfig({}).WORKER_MAX_CACHED_WORKFLOWS).toBe(250);
  });

  it('a whitespace-only value is an error, not a cache of 0', () => {
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: ' ' })).toThrow(ConfigError);
  });
});

describe('secrets stay out of start-up errors', () => {
  it('a rejected DATABASE_URL is echoed with its password masked', () => {
    const err = configErrorOf({ DATABASE_URL: 'mysql://ccm:s3cr3t-pw@db:3306/ccm' });
    expect(err.message).toContain('DATABASE_URL="mysql://ccm:***@db:3306/ccm" is invalid');
    expect(err.message).not.toContain('s3cr3t-pw');
  });
});
