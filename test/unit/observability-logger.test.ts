/**
 * src/observability: the logger's §3.1 redaction (pino redact paths and the guard), the Temporal
 * SDK's log lines through pino with their workflow and activity ids, the human-readable format, the
 * request ids and the Temporal Runtime's options (Prometheus only when WORKER_METRICS_ADDRESS is set).
 */
import { createLogger, PRETTY_OPTIONS, type Logger } from '../../src/observability/logger';
import { guardText, isPersonalKey, REDACTED } from '../../src/observability/redaction';
import { requestIdFrom } from '../../src/observability/http';
import { temporalLoggerFor, temporalRuntimeOptions } from '../../src/observability/temporal-runtime';
import { loadConfig } from '../../src/config/env';

function capture(level: 'trace' | 'info' = 'trace'): { logger: Logger; lines: () => Record<string, any>[]; text: () => string } {
  const raw: string[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (s: string) => void raw.push(s) } });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, any>), text: () => raw.join('') };
}

const API_KEY = 'ccm_Zk3s9Qw0xV7bN2mP5tR8yU1iO4aS6dF9gH2jK5lL0zX';

describe('§3.1 redaction', () => {
  test('personal fields are redacted at any depth; ids, codes and statuses are kept', () => {
    const { logger, lines, text } = capture();
    logger.info(
      {
        customerId: 'cus_123',
        status: 'PENDING_REVIEW',
        body: { type: 'INDIVIDUAL', firstName: 'Zenobia', identity: { kind: 'SSN', number: '123-45-6789' } },
        profile: { nested: { deeper: { contactEmail: 'z@example.com', dateOfBirth: '1979-03-14', address: { street: '1 Main St' } } } },
        items: [{ legalName: 'Acme Tools LLC', naicsCode: '332216' }],
        headers: { authorization: `Bearer ${API_KEY}`, 'x-api-key': API_KEY, 'user-agent': 'curl/8' },
        taskToken: 'CiQ2ZjFmYzM…',
      },
      'customer created',
    );
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'info',
      msg: 'customer created',
      customerId: 'cus_123',
      status: 'PENDING_REVIEW',
      body: { type: 'INDIVIDUAL', firstName: REDACTED, identity: REDACTED },
      profile: { nested: { deeper: { contactEmail: REDACTED, dateOfBirth: REDACTED, address: REDACTED } } },
      items: [{ legalName: REDACTED, naicsCode: '332216' }],
      headers: { authorization: REDACTED, 'x-api-key': REDACTED, 'user-agent': 'curl/8' },
      taskToken: REDACTED,
    });
    for (const secret of ['Zenobia', '123-45-6789', 'z@example.com', '1979-03-14', '1 Main St', 'Acme Tools', API_KEY, 'CiQ2']) expect(text()).not.toContain(secret);
  });

  test('the message, string fields and errors are masked: API keys, bearer credentials, e-mail addresses, SSN/EIN shapes', () => {
    const { logger, text, lines } = capture();
    logger.warn({ detail: `retrying ${API_KEY} for x@bank.example` }, `key ${API_KEY} of a@b.example; SSN 123-45-6789, 123456789, EIN 12-3456789`);
    logger.error({ err: new Error(`duplicate identity 987-65-4321 for z@example.com (Authorization: Bearer abcdefghijklmnop)`) }, 'failed');
    const out = text();
    for (const secret of [API_KEY, 'a@b.example', 'x@bank.example', '123-45-6789', '123456789', '12-3456789', '987-65-4321', 'z@example.com', 'abcdefghijklmnop']) {
      expect(out).not.toContain(secret);
    }
    const [first, second] = lines();
    expect(first!.msg).toBe('key ccm_[Redacted] of [email]; SSN [id-number], [id-number], EIN [id-number]');
    expect(second!.err).toMatchObject({ type: 'Error', message: 'duplicate identity [id-number] for [email] (Authorization: Bearer [Redacted])' });
    expect(second!.err.stack).toContain('[id-number]');
  });

  test('a date of birth in an error message is masked (a RangeError of the age rule said it)', () => {
    expect(guardText('date of birth 2999-01-01 is after the as-of date 2026-12-03')).toBe('date of birth [date] is after the as-of date 2026-12-03');
    expect(guardText('dob=03/14/1979; dateOfBirth: 1979-03-14')).toBe('dob=[date]; dateOfBirth: [date]');
  });

  test('what is not personal data is left alone: dates, times, ids, case numbers, ports', () => {
    const text = 'case FB-2026-000123 at 2026-12-03T19:55:00.000Z, workflow customer-cus_1, port 5432, run 3f2a9c1e-1b2c-4d5e-8f90-123456789012';
    expect(guardText(text)).toBe(text);
  });

  test.each([
    ['firstName', true],
    ['contact_email', true],
    ['x-api-key', true],
    ['Authorization', true],
    ['numberCiphertext', true],
    ['hostname', false],
    ['namespace', false],
    ['workflowId', false],
    ['activityType', false],
    ['remoteAddress', false],
    ['status', false],
  ])('isPersonalKey(%s) is %s', (key, personal) => {
    expect(isPersonalKey(key)).toBe(personal);
  });
});

describe('Temporal SDK lines through pino', () => {
  test("an activity's line carries its workflow and activity ids as fields; its task token is redacted", () => {
    const { logger, lines } = capture();
    const temporal = temporalLoggerFor(logger.child({ component: 'temporal' }));
    temporal.info('Activity started', {
      sdkComponent: 'activity',
      workflowId: 'feedback-FB-2026-000123',
      workflowType: 'feedbackCase',
      workflowRunId: 'run-1',
      activityId: '7',
      activityType: 'sendEscalationEmail',
      taskQueue: 'customer-care',
      attempt: 2,
      taskToken: 'CiQ2ZjFmYzM=',
    });
    temporal.error('Activity failed', { activityId: '7', error: new Error('SMTP refused x@bank.example') });
    const [started, failed] = lines();
    expect(started).toMatchObject({
      level: 'info',
      component: 'temporal',
      msg: 'Activity started',
      sdkComponent: 'activity',
      workflowId: 'feedback-FB-2026-000123',
      activityId: '7',
      activityType: 'sendEscalationEmail',
      attempt: 2,
      taskToken: REDACTED,
    });
    expect(failed).toMatchObject({ level: 'error', err: { message: 'SMTP refused [email]' } });
  });

  test('lines below the logger level are dropped', () => {
    const { logger, lines } = capture('info');
    const temporal = temporalLoggerFor(logger);
    temporal.debug('Workflow activation');
    temporal.log('TRACE', 'poll');
    temporal.warn('slow');
    expect(lines().map((l) => l.msg)).toEqual(['slow']);
  });
});

describe('LOG_FORMAT', () => {
  test('pretty (npm start): one human-readable line, the component as a prefix, no JSON', () => {
    // pino-pretty's own formatter with our options: what the transport writes to the terminal.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prettyFactory } = require('pino-pretty') as { prettyFactory: (o: object) => (line: string) => string };
    const pretty = prettyFactory({ ...PRETTY_OPTIONS, colorize: false });
    const out = pretty(JSON.stringify({ level: 30, time: Date.UTC(2026, 11, 3, 12, 0, 0), pid: 1, hostname: 'h', component: 'worker', msg: 'polling task queue customer-care' }));
    expect(out).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: \[worker\] polling task queue customer-care\n$/);
  });

  test('validated by loadConfig: json or pretty, anything else named with what is expected', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(loadConfig({}).LOG_FORMAT).toBeUndefined();
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT="xml" is invalid: expected one of json, pretty');
  });

  test('METRICS_TOKEN and WORKER_METRICS_ADDRESS are validated; a bad token is never printed', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).toThrow(/^METRICS_TOKEN=\*\*\* is invalid: expected a token of 32–256 printable characters/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
    expect(loadConfig({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9464');
    expect(() => loadConfig({ WORKER_METRICS_ADDRESS: '9464' })).toThrow('WORKER_METRICS_ADDRESS="9464" is invalid: expected host:port, e.g. 0.0.0.0:9464');
  });
});

describe('request ids', () => {
  test.each([
    ['3f2a9c1e-1b2c-4d5e-8f90-123456789012', true],
    ['lb.req:42_A-b', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['has space', false],
    ['line\nbreak', false],
    ['', false],
  ])('X-Request-Id %j kept: %s', (given, kept) => {
    const id = requestIdFrom(given);
    if (kept) expect(id).toBe(given);
    else expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('none given: a new UUID each time', () => {
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});

describe('Temporal Runtime options', () => {
  const { logger } = capture();

  test('no WORKER_METRICS_ADDRESS: no metrics exporter; the SDK and core logs go to our logger', () => {
    const options = temporalRuntimeOptions({ logger, level: 'info' });
    expect(options.telemetryOptions?.metrics).toBeUndefined();
    expect(options.telemetryOptions?.logging).toMatchObject({ forward: {} });
    expect(options.shutdownSignals).toEqual([]);
    expect(typeof options.logger?.info).toBe('function');
  });

  test('WORKER_METRICS_ADDRESS set: Prometheus on that address, temporal_ prefix, seconds, _total counters', () => {
    const options = temporalRuntimeOptions({ logger, level: 'info', metricsAddress: '0.0.0.0:9464' });
    expect(options.telemetryOptions?.metrics).toEqual({
      metricPrefix: 'temporal_',
      prometheus: { bindAddress: '0.0.0.0:9464', countersTotalSuffix: true, useSecondsForDurations: true },
    });
  });
});
