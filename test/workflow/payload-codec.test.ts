/**
 * The encryption codec on a real Temporal server (the time-skipping test server): what the server
 * stores in the workflow history is ciphertext, and a worker with the same data converter runs the
 * workflow on the decrypted input. Policy ../shared/policy.md §3.1: customer data protected in storage
 * and in transit (encryption).
 */
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createKeyRing } from '../../src/security/keyring';
import { ENCRYPTED_ENCODING, createEncryptionCodec, dataConverter } from '../../src/temporal/codec';
import { resolveTemporalExecutable } from '../../src/temporal/binaries';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';
import { reminderStateQuery, type StaffReminderInput } from '../../workflows/staff-reminder';
import { unique, workflowBundle } from '../support/fixtures';

const DAY = 86_400_000;
const TASK_QUEUE = 'payload-codec-test';
const ring = createKeyRing({ keys: { k2026a: randomBytes(32) }, currentKeyId: 'k2026a', blindIndexKey: randomBytes(32) });
const converter = dataConverter(ring);

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: resolveTemporalExecutable('test-server') },
    client: { dataConverter: converter },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
});

afterAll(async () => {
  await env?.teardown();
});

async function startReminder(dueInMs = 30 * DAY) {
  const reminderKey = unique('secret-reminder-key');
  const input: StaffReminderInput = {
    reminderKey,
    staffId: unique('stf'),
    escalationStaffId: unique('sup'),
    dueAt: new Date((await env.currentTimeMs()) + dueInMs).toISOString(),
    escalateAfterMs: 2 * DAY,
    policyVersion: 'test',
  };
  // No worker yet: the client alone encrypts the input on its way to the server.
  const handle = await env.client.workflow.start('staffReminder', { args: [input], taskQueue: TASK_QUEUE, workflowId: unique('reminder-codec') });
  return { input, handle };
}

async function startedInput(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }): Promise<Payload> {
  const history = await handle.fetchHistory();
  const started = (history.events ?? []).find((e: any) => e.workflowExecutionStartedEventAttributes) as any;
  const payload: Payload | undefined = started?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(payload).toBeDefined();
  return payload!;
}

/** A worker with our data converter; reminder activities reject unless `activities` replaces them. */
function codecWorker(activities: Record<string, () => Promise<unknown>> = {}) {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    dataConverter: converter,
    activities: {
      ...Object.fromEntries(['deliverReminder', 'escalateReminder', 'recordReminderAcknowledged'].map((name) => [name, () => Promise.reject(new Error(`${name} not expected`))])),
      ...activities,
    },
  });
}

test('the server stores the workflow input encrypted; the codec decodes it back (§3.1)', async () => {
  const { input, handle } = await startReminder();
  try {
    const stored = await startedInput(handle);
    expect(Buffer.from(stored.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(stored.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k2026a');
    const bytes = Buffer.from(stored.data ?? []);
    for (const plain of [input.reminderKey, input.staffId, input.escalationStaffId, 'json/plain']) expect(bytes.includes(plain)).toBe(false);

    const [decoded] = await createEncryptionCodec(ring).decode([stored]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(input);

    // A client without the codec (what the Temporal UI sees without the codec endpoint) gets ciphertext only.
    const plainClient = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
    const raw = await startedInput(plainClient.workflow.getHandle(handle.workflowId));
    expect(Buffer.from(raw.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
  } finally {
    await handle.terminate('payload-codec test done');
  }
});

test('a worker with the same data converter runs the workflow on the decrypted input; query results come back through the codec', async () => {
  const { input, handle } = await startReminder();
  try {
    // The activities are registered only so the worker polls quietly: the reminder never gets as far as calling them here.
    const worker = await codecWorker();
    // The reminder waits 30 days for its due time: nothing but the query runs (no activities needed).
    const state = await worker.runUntil(() => handle.query(reminderStateQuery));
    expect(state).toMatchObject({ reminderKey: input.reminderKey, status: 'SCHEDULED' });
  } finally {
    await handle.terminate('payload-codec test done');
  }
});

test('§3.1 failure messages and stack traces reach the server encrypted; clients with the codec read them', async () => {
  const secret = 'ada.lovelace@example.com';
  const { handle } = await startReminder(0);
  const worker = await codecWorker({
    deliverReminder: () => Promise.reject(ApplicationFailure.nonRetryable(`550 mailbox unavailable: ${secret}`, 'SmtpRefused')),
    recordNeedsAttention: () => Promise.resolve(),
  });
  // Through the codec: the step failed for good (issue 7: the reminder needs attention, it does not jam),
  // and the state query shows why, in the SMTP server's words.
  const state = await worker.runUntil(async () => {
    for (;;) {
      const s = await handle.query(reminderStateQuery);
      if (s.attention) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  expect(state.attention).toMatchObject({ step: 'deliverReminder', errorType: 'SmtpRefused', message: `550 mailbox unavailable: ${secret}` });
  await handle.terminate('test over');

  // What the server holds: "Encoded failure", the text sealed in encodedAttributes.
  const history = await handle.fetchHistory();
  const failed = (history.events ?? []).find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
  expect(failed?.message).toBe('Encoded failure');
  expect(failed?.stackTrace ?? '').toBe('');
  expect(Buffer.from(failed?.encodedAttributes?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
  const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  for (const plain of [secret, '550 mailbox unavailable']) expect(raw.includes(plain)).toBe(false);
});
