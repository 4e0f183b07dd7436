/**
 * §5.2 "the customer's satisfaction with it is followed up": the public survey endpoint on real parts
 * — HTTP → use case → this file's PostgreSQL database, the Temporal dev server for the signal. The
 * cases are written straight into the database as the feedback process leaves them (RESOLVED, with
 * their RESOLVED events), and the links are made as the resolution email's activity makes them.
 * Issue 9: "a survey link that is forged, expired or used twice is refused with a clear message".
 *
 *   GET  /survey/:token  the form, and nothing written (mail scanners open links); each refusal a page
 *   POST /survey/:token  form or JSON; one transaction (response, event, audit), then the signal to
 *                        feedback-<caseNo>; 409 a second answer, the same answer again re-signals (200)
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildApi } from '../../src/api/server';
import type { Db } from '../../src/db/client';
import { surveyCommentAad } from '../../src/feedback/answer-survey';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { decryptField, encryptField } from '../../src/security/crypto';
import { createKeyRing, developmentKeyRing } from '../../src/security/keyring';
import { createSurveyToken } from '../../src/security/signed-links';
import { failFastConnectionOptions } from '../../src/temporal/client';
import { apiCaller, type ApiResponse } from '../support/api';
import { unique } from '../support/fixtures';
import { startApi, type ApiOnly } from '../support/stack';

const ring = developmentKeyRing();
const DAY = 86_400_000;
let stack: ApiOnly;
let db: Db;
let temporal: Client;
let baseUrl: string;
let departmentCode: string;

// ─────────────────────────────────────────── fixtures ───────────────────────────────────────────

let caseCounter = 0;
/** A case as the feedback process leaves it once resolved `rounds` times (a RESOLVED event each). */
async function resolvedCase(rounds = 1): Promise<string> {
  const caseNo = `FB-2026-${String(700_000 + caseCounter++).padStart(6, '0')}`;
  const registeredAt = new Date(Date.now() - 10 * DAY);
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'ONLINE',
      category: 'CARD_FEES',
      severity: 'MEDIUM',
      complexity: 'SIMPLE',
      customerType: 'INDIVIDUAL',
      summaryCiphertext: encryptField(ring, 'Charged twice', `FeedbackCase.summary:${caseNo}`),
      departmentCode,
      routingRuleId: 'test-rule',
      status: 'RESOLVED',
      registeredAt,
      firstResponseAt: new Date(registeredAt.getTime() + 3_600_000),
      resolvedAt: new Date(Date.now() - DAY),
      workflowId: `feedback-${caseNo}`,
      policyVersion: DEFAULT_POLICY.version,
    },
  });
  for (let round = 1; round <= rounds; round++) {
    await db.feedbackEvent.create({ data: { caseNo, kind: 'RESOLVED', at: new Date(Date.now() - (rounds - round + 1) * DAY), idempotencyKey: `${caseNo}:RESOLVED:${round}` } });
  }
  return caseNo;
}

const tokenFor = (caseNo: string, round = 1, expiresAt = new Date(Date.now() + 14 * DAY), r = ring) => createSurveyToken({ caseNo, round, expiresAt }, r);

/** A request to /survey/:token: a JSON or form body (its content type unless `contentType`), to this file's API unless `api`. */
function call(method: string, token: string, opts: { json?: unknown; form?: string; contentType?: string; accept?: string; api?: string } = {}): Promise<ApiResponse> {
  const body = opts.form ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
  const contentType = opts.contentType ?? (opts.form !== undefined ? 'application/x-www-form-urlencoded' : opts.json !== undefined ? 'application/json' : undefined);
  return apiCaller(() => opts.api ?? baseUrl)(method, `/survey/${token}`, { body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(opts.accept ? { accept: opts.accept } : {}) } });
}

/** What a survey answer writes; a refused or read-only request must leave it as it was. */
async function written(): Promise<string> {
  const [responses, events, audit] = await Promise.all([
    db.surveyResponse.findMany({ orderBy: [{ caseNo: 'asc' }, { round: 'asc' }] }),
    db.feedbackEvent.count(),
    db.auditLog.count(),
  ]);
  return JSON.stringify({ responses, events, audit });
}

const responseOf = (caseNo: string, round = 1) => db.surveyResponse.findUnique({ where: { caseNo_round: { caseNo, round } } });
const surveyEvents = (caseNo: string) => db.feedbackEvent.findMany({ where: { caseNo, kind: 'SURVEY_ANSWERED' } });
const surveyAudit = (caseNo: string) => db.auditLog.findMany({ where: { entityId: caseNo, action: 'feedback.survey.answer' } });

/** A stand-in for the case's workflow: started on a task queue no worker polls, so it runs and takes signals. */
async function runningWorkflow(caseNo: string) {
  return temporal.workflow.start('feedbackCase', { workflowId: `feedback-${caseNo}`, taskQueue: unique('no-worker'), args: [{ caseNo }] });
}

async function signalsOf(caseNo: string): Promise<{ name: string; args: unknown[] }[]> {
  const history = await temporal.workflow.getHandle(`feedback-${caseNo}`).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a): a is NonNullable<typeof a> => !!a)
    .map((a) => ({ name: a.signalName ?? '', args: (a.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)) }));
}

beforeAll(async () => {
  stack = await startApi({ ring });
  ({ db, temporal, baseUrl } = stack);
  const head = unique('head');
  await db.staffMember.create({ data: { id: head, name: 'Head of Cards', email: `${head}@bank.test`, roles: ['SUPERVISOR'] } });
  departmentCode = `S_${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
  await db.department.create({ data: { code: departmentCode, name: 'Cards', headStaffId: head } });
});

afterAll(async () => {
  await stack?.stop();
});

// ───────────────────────────────────────────── GET ─────────────────────────────────────────────

describe('GET /survey/:token (no staff key; reads only)', () => {
  test('a valid link shows the form — case number, score 1–5 with labels, optional comment — and writes nothing', async () => {
    const caseNo = await resolvedCase();
    const expiresAt = new Date('2099-01-15T17:30:00Z');
    const before = await written();
    const res = await call('GET', tokenFor(caseNo, 1, expiresAt));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.text).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(res.text).toContain(`<strong>${caseNo}</strong>`);
    expect(res.text).toContain('open until Thu 15 Jan 2099, 12:30 EST'); // the bank's time zone, with its abbreviation
    expect(res.text).toContain('<form method="post" action="" accept-charset="UTF-8">');
    for (const n of [1, 2, 3, 4, 5]) {
      expect(res.text).toContain(`<input type="radio" id="score-${n}" name="score" value="${n}" required>`);
      expect(res.text).toMatch(new RegExp(`<label for="score-${n}">${n} – [A-Za-z ]+</label>`));
    }
    expect(res.text).toContain('<label for="comment">Comment (optional)</label>');
    expect(res.text).toContain('<textarea id="comment" name="comment" rows="6" maxlength="2000" aria-describedby="comment-hint"></textarea>');
    expect(res.text).not.toMatch(/<script|<img|<link|src=|https?:\/\//); // self-contained
    // A mail scanner opening the link twice, and HEAD, change nothing either.
    expect((await call('GET', tokenFor(caseNo, 1, expiresAt))).status).toBe(200);
    expect((await call('HEAD', tokenFor(caseNo, 1, expiresAt))).status).toBe(200);
    expect(await written()).toBe(before);
  });

  test.each([
    { what: 'forged (another key ring)', status: 400, title: 'This link is not valid', token: () => tokenFor('FB-2026-000001', 1, undefined, createKeyRing({ keys: { k: Buffer.alloc(32, 1) }, currentKeyId: 'k', blindIndexKey: Buffer.alloc(32, 2) })) },
    { what: 'malformed (cut short by a mail client)', status: 400, title: 'This link is not complete', token: () => tokenFor('FB-2026-000001').slice(0, -10) },
    { what: 'not a token at all', status: 400, title: 'This link is not complete', token: () => 'hello' },
  ])('$what → $status with a page saying so; nothing written', async ({ token, status, title }) => {
    const before = await written();
    const res = await call('GET', token());
    expect([res.status, res.headers.get('content-type')]).toEqual([status, 'text/html; charset=utf-8']);
    expect(res.text).toContain(`<h1>${title}</h1>`);
    expect(res.text).toContain('reply to the email');
    expect(await written()).toBe(before);
  });

  test('expired → 410 "closed on <bank time>"; a link of an earlier round → 410 replaced; a later round → 404; answered → 409', async () => {
    const caseNo = await resolvedCase(2);
    const expired = await call('GET', tokenFor(caseNo, 2, new Date('2026-03-01T15:00:00Z')));
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('<h1>This survey has closed</h1>');
    expect(expired.text).toContain('closed on Sun 1 Mar 2026, 10:00 EST');

    const replaced = await call('GET', tokenFor(caseNo, 1));
    expect(replaced.status).toBe(410);
    expect(replaced.text).toContain('<h1>This survey has been replaced</h1>');
    expect(replaced.text).toContain(`We have answered your case ${caseNo} again`);

    expect((await call('GET', tokenFor(caseNo, 3))).status).toBe(404);
    expect((await call('GET', tokenFor('FB-2026-999999'))).status).toBe(404);

    expect((await call('POST', tokenFor(caseNo, 2), { json: { score: 5 } })).status).toBe(200);
    const answered = await call('GET', tokenFor(caseNo, 2));
    expect(answered.status).toBe(409);
    expect(answered.text).toContain('<h1>Already answered</h1>');
    expect(answered.text).toMatch(/already answered on \w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2} E[SD]T/);
  });
});

// ───────────────────────────────────────────── POST ─────────────────────────────────────────────

describe('POST /survey/:token', () => {
  test('an HTML form post records the answer in one transaction — response (comment encrypted), event, audit (actor null) — and thanks the customer', async () => {
    const caseNo = await resolvedCase();
    const comment = 'Quick & friendly <b>thanks</b>\r\nSecond line';
    const res = await call('POST', tokenFor(caseNo), { form: `score=4&comment=${encodeURIComponent(comment).replace(/%20/g, '+')}`, accept: 'text/html' });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(res.text).toContain('<h1>Thank you for your answer</h1>');
    expect(res.text).toContain(`<strong>${caseNo}</strong>: 4 of 5 (Satisfied)`);

    const row = await responseOf(caseNo);
    expect(row).toMatchObject({ caseNo, round: 1, score: 4, answeredAt: expect.any(Date) });
    expect(row!.commentCiphertext).toMatch(/^v1\./);
    expect(decryptField(ring, row!.commentCiphertext!, surveyCommentAad(caseNo, 1))).toBe(comment);
    expect(() => decryptField(ring, row!.commentCiphertext!, surveyCommentAad(caseNo, 2))).toThrow(/failed authentication/);

    const events = await surveyEvents(caseNo);
    expect(events.map((e) => [e.kind, e.actorStaffId, e.data, e.idempotencyKey, e.at.getTime()])).toEqual([
      ['SURVEY_ANSWERED', null, { round: 1, score: 4 }, `${caseNo}:survey:1`, row!.answeredAt.getTime()],
    ]);
    const audit = await surveyAudit(caseNo);
    expect(audit.map((a) => [a.actorStaffId, a.entity, a.changes])).toEqual([
      [null, 'FeedbackCase', { surveyRound: { before: null, after: 1 }, surveyScore: { before: null, after: 4 }, surveyComment: 'changed' }],
    ]);
    expect(JSON.stringify(audit.map((a) => a.changes))).not.toContain('friendly');
    expect(audit[0]!.requestId).toEqual(expect.any(String));
  });

  test('JSON: 200 with the answer; the signal attempt to a workflow that is not running does not fail the request (recorded, WORKFLOW_NOT_RUNNING)', async () => {
    const caseNo = await resolvedCase();
    const res = await call('POST', tokenFor(caseNo), { json: { score: 5 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ caseNo, round: 1, score: 5, answeredAt: expect.any(String), replayed: false, signal: 'WORKFLOW_NOT_RUNNING' });
    expect(await responseOf(caseNo)).toMatchObject({ score: 5, commentCiphertext: null });
    expect(await surveyAudit(caseNo)).toHaveLength(1);
  });

  test('a running workflow gets the typed signal surveyAnswered { round, score } after the commit', async () => {
    const caseNo = await resolvedCase(2);
    const wf = await runningWorkflow(caseNo);
    try {
      const res = await call('POST', tokenFor(caseNo, 2), { json: { score: 2, comment: 'Still broken' } });
      expect([res.status, res.body.signal]).toEqual([200, 'SENT']);
      expect(await signalsOf(caseNo)).toEqual([{ name: 'surveyAnswered', args: [{ round: 2, score: 2 }] }]);
    } finally {
      await wf.terminate('test done');
    }
  });

  test('a low score thanks the customer and says the case will be looked at again (policy lowSatisfactionScore)', async () => {
    const caseNo = await resolvedCase();
    const res = await call('POST', tokenFor(caseNo), { form: 'score=2' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your case will be looked at again');
  });

  test('a second answer with another score → 409 "already answered", nothing written; the same score again → 200 replayed, nothing written, signal re-sent', async () => {
    const caseNo = await resolvedCase();
    const token = tokenFor(caseNo);
    expect((await call('POST', token, { json: { score: 3, comment: 'ok' } })).status).toBe(200);
    const before = await written();

    const second = await call('POST', token, { json: { score: 1 } });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ error: 'survey_already_answered', message: `this survey for case ${caseNo} was already answered: a survey takes one answer` });
    const secondForm = await call('POST', token, { form: 'score=5' });
    expect(secondForm.status).toBe(409);
    expect(secondForm.text).toContain('<h1>Already answered</h1>');
    expect(await written()).toBe(before);

    const wf = await runningWorkflow(caseNo);
    try {
      const again = await call('POST', token, { json: { score: 3, comment: 'a different comment' } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ caseNo, round: 1, score: 3, replayed: true, signal: 'SENT' });
      expect(await written()).toBe(before);
      expect(decryptField(ring, (await responseOf(caseNo))!.commentCiphertext!, surveyCommentAad(caseNo, 1))).toBe('ok'); // the first answer stands
      expect(await signalsOf(caseNo)).toEqual([{ name: 'surveyAnswered', args: [{ round: 1, score: 3 }] }]);
    } finally {
      await wf.terminate('test done');
    }
  });

  test('five answers at once with the same score: one recorded, all 200; with different scores: one recorded, the others 409', async () => {
    const same = await resolvedCase();
    const sameResults = await Promise.all([1, 2, 3, 4, 5].map(() => call('POST', tokenFor(same), { json: { score: 4 } })));
    expect(sameResults.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(sameResults.filter((r) => r.body.replayed === false)).toHaveLength(1);
    expect([(await surveyEvents(same)).length, (await surveyAudit(same)).length]).toEqual([1, 1]);

    const different = await resolvedCase();
    const results = await Promise.all([1, 2, 3, 4, 5].map((score) => call('POST', tokenFor(different), { json: { score } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.body.score;
    expect((await responseOf(different))!.score).toBe(winner);
    expect([(await surveyEvents(different)).length, (await surveyAudit(different)).length]).toEqual([1, 1]);
  });

  test.each([
    { what: 'forged', status: 400, error: 'survey_link_invalid', token: () => tokenFor('FB-2026-000002', 1, undefined, createKeyRing({ keys: { k: Buffer.alloc(32, 3) }, currentKeyId: 'k', blindIndexKey: Buffer.alloc(32, 4) })) },
    { what: 'malformed', status: 400, error: 'survey_link_malformed', token: () => `${tokenFor('FB-2026-000002')}x` },
    { what: 'expired', status: 410, error: 'survey_link_expired', token: () => tokenFor('FB-2026-000002', 1, new Date(Date.now() - 1000)) },
  ])('$what link → $status $error, nothing written (JSON and form)', async ({ token, status, error }) => {
    const before = await written();
    const json = await call('POST', token(), { json: { score: 5 } });
    expect([json.status, json.body.error, json.body.message]).toEqual([status, error, expect.stringMatching(/this survey link/)]);
    const form = await call('POST', token(), { form: 'score=5' });
    expect([form.status, form.headers.get('content-type')]).toEqual([status, 'text/html; charset=utf-8']);
    expect(await written()).toBe(before);
  });

  test('a link of an earlier round → 410 "this survey has been replaced"; nothing written', async () => {
    const caseNo = await resolvedCase(2);
    const before = await written();
    const res = await call('POST', tokenFor(caseNo, 1), { json: { score: 5 } });
    expect([res.status, res.body.error, res.body.message]).toEqual([410, 'survey_replaced', expect.stringMatching(/^this survey has been replaced/)]);
    expect(await written()).toBe(before);
  });

  test.each([
    ['score 0', { score: 0 }, 'score'],
    ['score 6', { score: 6 }, 'score'],
    ['score 4.5', { score: 4.5 }, 'score'],
    ['score "5" (a string in JSON)', { score: '5' }, 'score'],
    ['no score', { comment: 'hi' }, 'score'],
    ['a comment of 2001 characters', { score: 3, comment: 'x'.repeat(2001) }, 'comment'],
    ['a NUL in the comment', { score: 3, comment: 'a\u0000b' }, 'comment'],
    ['an unknown field', { score: 3, rating: 5 }, 'rating'],
  ])('JSON %s → 400 naming the field; nothing written', async (_what, body, field) => {
    const caseNo = await resolvedCase();
    const before = await written();
    const res = await call('POST', tokenFor(caseNo), { json: body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(await written()).toBe(before);
  });

  test('a form with score 0 or 6 → 400: the form again, the error linked to the field, the comment kept (escaped); nothing written', async () => {
    const caseNo = await resolvedCase();
    const before = await written();
    for (const score of ['0', '6', 'abc', '']) {
      const res = await call('POST', tokenFor(caseNo), { form: `score=${score}&comment=${encodeURIComponent('<script>alert(1)</script>')}` });
      expect([res.status, res.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain('<a href="#score-1">Choose a score: a whole number from 1 (very dissatisfied) to 5 (very satisfied)</a>');
      expect(res.text).toContain('aria-describedby="score-error"');
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
      expect(res.text).not.toContain('<script>');
    }
    const noScore = await call('POST', tokenFor(caseNo), { form: 'comment=hello' });
    expect(noScore.status).toBe(400);
    const long = await call('POST', tokenFor(caseNo), { form: `score=3&comment=${'y'.repeat(2001)}` });
    expect(long.status).toBe(400);
    expect(long.text).toContain('Your comment: at most 2000 characters');
    expect(await written()).toBe(before);
  });

  test('bodies the survey cannot read: text/plain → 415; malformed percent-encoding or bad UTF-8 in a form → 400; never a staff key asked for', async () => {
    const caseNo = await resolvedCase();
    const before = await written();
    const plain = await call('POST', tokenFor(caseNo), { form: 'score=5', contentType: 'text/plain' });
    expect([plain.status, plain.body]).toEqual([415, { error: 'unsupported_media_type', message: 'send application/json' }]);
    expect((await call('POST', tokenFor(caseNo), { form: 'score=%zz' })).status).toBe(400);
    const badUtf8 = await fetch(`${baseUrl}/survey/${tokenFor(caseNo)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from([0x73, 0x3d, 0xc3, 0x28]) });
    expect(badUtf8.status).toBe(400);
    expect(await written()).toBe(before);
    // Forms stay refused everywhere else (src/api/body.ts): only the survey reads them.
    const elsewhere = await fetch(`${baseUrl}/departments`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer ccm_nope' }, body: 'a=1' });
    expect(elsewhere.status).toBe(401);
  });

  test('Temporal unreachable: the answer is recorded, 503 with Retry-After saying so; the same answer again re-sends the signal → 200', async () => {
    const down = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', ...failFastConnectionOptions() }) });
    const downApi = await buildApi({ db, temporal: down, taskQueue: unique('survey-down'), policy: DEFAULT_POLICY, ring, logLevel: 'silent', reconcile: false });
    const downUrl = await downApi.listen({ host: '127.0.0.1', port: 0 });
    try {
      const caseNo = await resolvedCase();
      const res = await call('POST', tokenFor(caseNo), { json: { score: 1, comment: 'not happy' }, api: downUrl });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(res.body).toEqual({
        error: 'survey_answer_not_passed_on',
        message: expect.stringMatching(/^your answer is recorded/),
        recorded: true,
        answer: { caseNo, round: 1, score: 1, answeredAt: expect.any(String), replayed: false },
      });
      expect(await responseOf(caseNo)).toMatchObject({ score: 1 });

      const page = await call('POST', tokenFor(caseNo), { form: 'score=1', api: downUrl });
      expect(page.status).toBe(503);
      expect(page.text).toContain('<h1>Your answer is saved</h1>');
      expect(page.text).toContain('<input type="hidden" name="score" value="1">');

      const wf = await runningWorkflow(caseNo);
      try {
        const retry = await call('POST', tokenFor(caseNo), { json: { score: 1, comment: 'not happy' } });
        expect([retry.status, retry.body.replayed, retry.body.signal]).toEqual([200, true, 'SENT']);
        expect(await signalsOf(caseNo)).toEqual([{ name: 'surveyAnswered', args: [{ round: 1, score: 1 }] }]);
        expect([(await surveyEvents(caseNo)).length, (await surveyAudit(caseNo)).length]).toEqual([1, 1]);
      } finally {
        await wf.terminate('test done');
      }
    } finally {
      await downApi.close();
      await down.connection.close();
    }
  });

  test('the OpenAPI document lists both routes as public (no security requirement)', async () => {
    const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(doc.paths['/survey/{token}']?.get?.security).toEqual([]);
    expect(doc.paths['/survey/{token}']?.post?.security).toEqual([]);
  });
});
