/**
 * Use case (§5.2 "the customer's satisfaction with it is followed up"): the customer answers the
 * satisfaction survey of a resolved feedback case through the signed link in the resolution email
 * (src/security/signed-links.ts). No staff key: the link is the credential; the actor is the customer
 * (audit actorStaffId null).
 *
 * - `openSurvey` (GET, reads only — mail scanners open links, so nothing happens on GET): the survey
 *   the link names, or why it cannot be answered.
 * - `answerSurvey` (POST): in this order
 *     1. the link: malformed or forged → 400, expired → 410 (nothing else is read);
 *     2. the answer: `score` a whole number 1–5, `comment` optional, at most SURVEY_COMMENT_MAX_CHARS
 *        → 400 naming the field (so a bad answer is a 400 whatever the survey's state);
 *     3. the survey: its case must exist and the link's round must be the case's current round (the
 *        number of RESOLVED events): an earlier round's link → 410 "replaced", a later one → 404;
 *     4. one transaction: SurveyResponse (comment encrypted, AAD `SurveyResponse.comment:<caseNo>:<round>`),
 *        FeedbackEvent SURVEY_ANSWERED (data { round, score }, idempotency key `<caseNo>:survey:<round>`)
 *        and the audit record `feedback.survey.answer` (actor null; the comment recorded only as
 *        'changed'); single use by SurveyResponse's primary key (caseNo, round);
 *     5. after the commit, the signal `surveyAnswered` { round, score } to `feedback-<caseNo>`.
 * - A second POST for an answered round: the same score → the first answer stands, nothing is
 *   written, the signal is sent again, 200 with `replayed: true` (so a POST retried after a 503 — or
 *   a double click — completes); another score → 409 "already answered", nothing written.
 * - The signal (decision): the database row is the record, and it is written first. The workflow
 *   waits for the signal, so it must arrive:
 *     · delivered → 200;
 *     · the workflow is not running (closed, or never started — e.g. a case from an earlier system)
 *       → 200 all the same, `signal: 'WORKFLOW_NOT_RUNNING'` and a warning logged: nothing waits for
 *       the answer, and it is recorded;
 *     · Temporal unreachable or too slow (SIGNAL_TIMEOUT_MS) → SurveyAnswerNotPassedOn, answered 503
 *       with Retry-After: the answer IS recorded (the response says so); the same POST again re-sends
 *       the signal (the replay above) and gets 200.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db, DbTx } from '../db/client';
import { isUniqueViolation } from '../db/client';
import type { Policy } from '../policy/policy';
import { encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import { SurveyLinkError, verifySurveyToken, type SurveyLink } from '../security/signed-links';
import type { Clock } from '../shared/clock';
import { parseInput } from '../shared/errors';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { feedbackWorkflowId, surveyAnsweredSignal } from '../../workflows/feedback/definitions';

export const SURVEY_COMMENT_MAX_CHARS = 2000;
export const SCORE_MESSAGE = 'a whole number from 1 (very dissatisfied) to 5 (very satisfied)';
/** Longest the API waits for Temporal to take the signal before answering 503 (the answer is recorded by then). */
export const SIGNAL_TIMEOUT_MS = 5000;
/** Seconds a client should wait before sending the answer again after a 503. */
export const SIGNAL_RETRY_AFTER_SECONDS = 30;

/** The answer (JSON, or an HTML form's fields with `score` as a number — src/api/routes/survey.ts converts). */
export const surveyAnswerInput = z.strictObject({
  score: z.number({ error: SCORE_MESSAGE }).int(SCORE_MESSAGE).min(1, SCORE_MESSAGE).max(5, SCORE_MESSAGE),
  comment: z
    .string({ error: 'text (optional)' })
    .trim()
    .max(SURVEY_COMMENT_MAX_CHARS, `at most ${SURVEY_COMMENT_MAX_CHARS} characters`)
    .nullish()
    .transform((v) => (v ? v : undefined)),
});
export type SurveyAnswerInput = z.infer<typeof surveyAnswerInput>;

/** AAD of the encrypted comment (src/security/crypto.ts). */
export const surveyCommentAad = (caseNo: string, round: number) => `SurveyResponse.comment:${caseNo}:${round}`;
/** The SURVEY_ANSWERED event's (and the audit record's) idempotency key. */
export const surveyEventKey = (caseNo: string, round: number) => `${caseNo}:survey:${round}`;

export type SurveyRefusalReason = 'MALFORMED' | 'FORGED' | 'EXPIRED' | 'REPLACED' | 'NOT_FOUND' | 'ANSWERED';

const REFUSALS: Record<SurveyRefusalReason, { statusCode: number; code: string; title: string }> = {
  MALFORMED: { statusCode: 400, code: 'survey_link_malformed', title: 'This link is not complete' },
  FORGED: { statusCode: 400, code: 'survey_link_invalid', title: 'This link is not valid' },
  EXPIRED: { statusCode: 410, code: 'survey_link_expired', title: 'This survey has closed' },
  REPLACED: { statusCode: 410, code: 'survey_replaced', title: 'This survey has been replaced' },
  NOT_FOUND: { statusCode: 404, code: 'survey_not_found', title: 'No such survey' },
  ANSWERED: { statusCode: 409, code: 'survey_already_answered', title: 'Already answered' },
};

/**
 * Why the survey cannot be shown or answered. `statusCode` and `code` make the API's error handler
 * answer `{ error: code, message }` with that status (src/api/server.ts); the survey page renders it.
 */
export class SurveyRefused extends Error {
  override name = 'SurveyRefused';
  readonly statusCode: number;
  readonly code: string;
  readonly title: string;
  constructor(
    readonly reason: SurveyRefusalReason,
    message: string,
    readonly details: { caseNo?: string; expiresAt?: Date; answeredAt?: Date } = {},
  ) {
    super(message);
    ({ statusCode: this.statusCode, code: this.code, title: this.title } = REFUSALS[reason]);
  }
}

/** The answer is recorded, but the case's workflow could not be told (Temporal unreachable): 503, send it again. */
export class SurveyAnswerNotPassedOn extends Error {
  override name = 'SurveyAnswerNotPassedOn';
  readonly statusCode = 503;
  readonly code = 'survey_answer_not_passed_on';
  readonly retryAfterSeconds = SIGNAL_RETRY_AFTER_SECONDS;
  constructor(readonly answer: RecordedAnswer) {
    super('your answer is recorded, but it could not be passed on to the case just now: send the same answer again in a little while (it will not be counted twice)');
  }
}

export interface OpenSurvey {
  caseNo: string;
  round: number;
  expiresAt: Date;
}

export interface SurveyAnswer {
  caseNo: string;
  round: number;
  score: number;
  answeredAt: string;
  /** True when this round was already answered with the same score: nothing was written. */
  replayed: boolean;
  /** SENT: the case's workflow has the answer; WORKFLOW_NOT_RUNNING: no workflow waits for it (recorded all the same). */
  signal: 'SENT' | 'WORKFLOW_NOT_RUNNING';
}

/** The answer as recorded, before the workflow is told. */
export type RecordedAnswer = Omit<SurveyAnswer, 'signal'>;

export interface SurveyDeps {
  db: Db;
  ring: KeyRing;
  clock: Clock;
}

export interface AnswerSurveyDeps extends SurveyDeps {
  temporal: Client;
  /** Warnings (a workflow that is not running); default: none. */
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

function linkOf(token: string, deps: SurveyDeps): SurveyLink {
  try {
    return verifySurveyToken(token, deps.ring, deps.clock.now());
  } catch (err) {
    if (!(err instanceof SurveyLinkError)) throw err;
    switch (err.reason) {
      case 'EXPIRED':
        throw new SurveyRefused('EXPIRED', 'this survey link has expired: the survey was open for a limited time after the answer to your case', { ...(err.expiresAt ? { expiresAt: err.expiresAt } : {}) });
      case 'FORGED':
        throw new SurveyRefused('FORGED', 'this survey link is not valid: it was not issued by the bank, or it was changed');
      default:
        throw new SurveyRefused('MALFORMED', 'this survey link is not complete or was changed: open the link from the email again, or copy all of it');
    }
  }
}

interface SurveyState {
  customerId: string | null;
  /** The number of RESOLVED events: the round a link must name. */
  currentRound: number;
  answer: { score: number; answeredAt: Date } | null;
}

async function stateOf(tx: DbTx | Db, link: SurveyLink): Promise<SurveyState> {
  const c = await tx.feedbackCase.findUnique({ where: { caseNo: link.caseNo }, select: { customerId: true } });
  if (!c) throw new SurveyRefused('NOT_FOUND', `there is no survey for case ${link.caseNo}`, { caseNo: link.caseNo });
  // One after the other: a transaction's queries share one connection.
  const currentRound = await tx.feedbackEvent.count({ where: { caseNo: link.caseNo, kind: 'RESOLVED' } });
  const answer = await tx.surveyResponse.findUnique({ where: { caseNo_round: { caseNo: link.caseNo, round: link.round } }, select: { score: true, answeredAt: true } });
  return { customerId: c.customerId, currentRound, answer };
}

/** The refusal for a link whose round is not the case's current one, if any. */
function roundRefusal(link: SurveyLink, state: SurveyState): SurveyRefused | undefined {
  if (link.round < state.currentRound) {
    return new SurveyRefused('REPLACED', `this survey has been replaced: the bank answered case ${link.caseNo} again since, and its latest email has a new survey link`, { caseNo: link.caseNo });
  }
  if (link.round > state.currentRound) return new SurveyRefused('NOT_FOUND', `there is no open survey for case ${link.caseNo}`, { caseNo: link.caseNo });
  return undefined;
}

const answeredRefusal = (link: SurveyLink, answeredAt: Date) =>
  new SurveyRefused('ANSWERED', `this survey for case ${link.caseNo} was already answered: a survey takes one answer`, { caseNo: link.caseNo, answeredAt });

/** GET: the survey the link names, if it can be answered now. Reads only; writes nothing. */
export async function openSurvey(deps: SurveyDeps, token: string): Promise<OpenSurvey> {
  const link = linkOf(token, deps);
  const state = await stateOf(deps.db, link);
  const refused = roundRefusal(link, state);
  if (refused) throw refused;
  if (state.answer) throw answeredRefusal(link, state.answer.answeredAt);
  return { caseNo: link.caseNo, round: link.round, expiresAt: link.expiresAt };
}

/** POST: records the answer and tells the case's workflow (see the module comment for every outcome). */
export async function answerSurvey(deps: AnswerSurveyDeps, token: string, body: unknown, ctx: { requestId?: string } = {}): Promise<SurveyAnswer> {
  const link = linkOf(token, deps);
  const input = parseInput(surveyAnswerInput, body);
  const now = deps.clock.now();
  const { caseNo, round } = link;

  const replayOrRefuse = (existing: { score: number; answeredAt: Date }): RecordedAnswer => {
    if (existing.score !== input.score) throw answeredRefusal(link, existing.answeredAt);
    return { caseNo, round, score: existing.score, answeredAt: existing.answeredAt.toISOString(), replayed: true };
  };

  let answer: RecordedAnswer;
  try {
    answer = await deps.db.$transaction(async (tx) => {
      const state = await stateOf(tx, link);
      const refused = roundRefusal(link, state);
      if (refused) throw refused;
      if (state.answer) return replayOrRefuse(state.answer);
      await tx.surveyResponse.create({
        data: { caseNo, round, score: input.score, commentCiphertext: input.comment === undefined ? null : encryptField(deps.ring, input.comment, surveyCommentAad(caseNo, round)), answeredAt: now },
      });
      await tx.feedbackEvent.create({ data: { caseNo, kind: 'SURVEY_ANSWERED', actorStaffId: null, at: now, data: { round, score: input.score }, idempotencyKey: surveyEventKey(caseNo, round) } });
      await writeAudit(tx, {
        actorStaffId: null,
        action: 'feedback.survey.answer',
        entity: 'FeedbackCase',
        entityId: caseNo,
        ...(state.customerId ? { customerId: state.customerId } : {}),
        changes: { surveyRound: { before: null, after: round }, surveyScore: { before: null, after: input.score }, ...(input.comment === undefined ? {} : { surveyComment: 'changed' as const }) },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        idempotencyKey: surveyEventKey(caseNo, round),
      });
      return { caseNo, round, score: input.score, answeredAt: now.toISOString(), replayed: false };
    });
  } catch (err) {
    // Two answers at once: the other committed first. The same score is that answer; another is refused.
    if (!isUniqueViolation(err)) throw err;
    const existing = await deps.db.surveyResponse.findUnique({ where: { caseNo_round: { caseNo, round } }, select: { score: true, answeredAt: true } });
    if (!existing) throw err;
    answer = replayOrRefuse(existing);
  }
  return { ...answer, signal: await signal(deps, answer) };
}

/** After the commit: the workflow waits for this. Not running → recorded anyway; unreachable → 503 (the answer stands). */
async function signal(deps: AnswerSurveyDeps, answer: RecordedAnswer): Promise<SurveyAnswer['signal']> {
  const workflowId = feedbackWorkflowId(answer.caseNo);
  try {
    await deps.temporal.connection.withDeadline(Date.now() + SIGNAL_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(workflowId).signal(surveyAnsweredSignal, { round: answer.round, score: answer.score }),
    );
    return 'SENT';
  } catch (err) {
    if (isWorkflowGone(err)) {
      deps.warn?.({ workflowId, round: answer.round }, 'survey answer recorded; the case workflow is not running, so nothing waits for it');
      return 'WORKFLOW_NOT_RUNNING';
    }
    deps.warn?.({ workflowId, round: answer.round, err: (err as Error)?.name }, 'survey answer recorded; the signal to the case workflow failed (answered 503: the customer may send it again)');
    throw new SurveyAnswerNotPassedOn(answer);
  }
}

/** Whether `score` makes the case reopen (policy `feedback.lowSatisfactionScore`), for the thank-you page. */
export const isLowScore = (score: number, policy: Policy) => score <= policy.feedback.lowSatisfactionScore;
