/**
 * The customer's satisfaction survey (§5.2 "the customer's satisfaction with it is followed up"):
 * public — no staff key (src/api/authentication.ts `isPublicRoute`): the signed, expiring link in the
 * resolution email is the credential (src/security/signed-links.ts).
 *
 *   GET  /survey/:token   an HTML page: the form (case number, score 1–5, optional comment), or why
 *                         the link cannot be used — 400 malformed or forged, 410 expired or replaced
 *                         by a later survey, 409 already answered, 404 no such survey. Changes
 *                         nothing (mail scanners open links).
 *   POST /survey/:token   the answer, as an HTML form (application/x-www-form-urlencoded) or JSON:
 *                         the same refusals, 400 naming the field, 200 when recorded (or already
 *                         recorded with the same score: the signal is re-sent), 409 for another
 *                         score, 503 + Retry-After when recorded but not yet passed on to the case's
 *                         workflow (send the same answer again). src/feedback/answer-survey.ts.
 *
 * Answers are HTML pages for a browser (a form post, or `Accept: text/html`), JSON otherwise
 * (`{ error, message }` for refusals, as every route). Every page is self-contained and is sent with
 * no-store, no-referrer (the token is in the address) and a strict Content-Security-Policy.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  answerSurvey,
  isLowScore,
  openSurvey,
  SurveyAnswerNotPassedOn,
  surveyAnswerInput,
  SurveyRefused,
  SURVEY_COMMENT_MAX_CHARS,
} from '../../feedback/answer-survey';
import {
  SURVEY_PAGE_HEADERS,
  surveyBadRequestPage,
  surveyFormPage,
  surveyNotPassedOnPage,
  surveyRefusedPage,
  surveyThanksPage,
  surveyUnavailablePage,
} from '../../feedback/survey-page';
import { bankTimeZone } from '../../policy/policy';
import { verifySurveyToken } from '../../security/signed-links';
import { systemClock } from '../../shared/clock';
import { ValidationError } from '../../shared/errors';
import { SURVEY_ROUTE } from '../authentication';
import { outageOf, RETRY_AFTER_SECONDS } from '../outage';
import type { ApiDeps } from '../server';

const FORM_TYPE = 'application/x-www-form-urlencoded';
const tokenParams = { type: 'object', properties: { token: { type: 'string', description: 'the signed survey token from the email link' } }, required: ['token'] } as const;

const isFormRequest = (req: FastifyRequest) => (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase() === FORM_TYPE;
/** A browser: a form post, a page request (GET), or an Accept header naming HTML. */
const wantsHtml = (req: FastifyRequest) => req.method === 'GET' || req.method === 'HEAD' || isFormRequest(req) || /\btext\/html\b/i.test(req.headers.accept ?? '');

const sendPage = (reply: FastifyReply, status: number, html: string) => reply.code(status).headers(SURVEY_PAGE_HEADERS).send(html);

const utf8 = new TextDecoder('utf-8', { fatal: true });
const formIssue = (reason: string) => new ValidationError([{ field: '(body)', reason }]);

/**
 * An HTML form body → { name: value } (a repeated name → its values as an array). Strict: the bytes
 * must be UTF-8 and the percent-encoding well formed (else 400), so nothing is silently replaced by U+FFFD.
 */
export function parseFormBody(body: Buffer): Record<string, string | string[]> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw formIssue('not valid UTF-8');
  }
  const fields = new Map<string, string | string[]>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [rawName, rawValue] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw formIssue('not valid form data (malformed percent-encoding)');
    }
    const before = fields.get(name);
    fields.set(name, before === undefined ? value : [before, value].flat());
  }
  return Object.fromEntries(fields);
}

/** A form's fields as the use case takes them: `score` digits as a number (anything else stays text and is refused there). */
function formAnswer(fields: Record<string, string | string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  if (typeof fields.score === 'string' && /^\d{1,3}$/.test(fields.score)) out.score = Number(fields.score);
  return out;
}

export const surveyRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const clock = deps.clock ?? systemClock;
    const timeZone = bankTimeZone(deps.policy);
    const useCaseDeps = {
      db: deps.db,
      ring: deps.ring,
      clock,
      temporal: deps.temporal,
      warn: (fields: Record<string, unknown>, message: string) => app.log.warn(fields, message),
    };

    // Only these routes read forms (src/api/body.ts lets a form through only with `acceptsForm`).
    app.addContentTypeParser(FORM_TYPE, { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, parseFormBody(body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    // A browser gets a page for every refusal, also those raised before the handler (a bad address,
    // an unreadable body); a program gets the API's JSON errors (the server's error handler).
    app.setErrorHandler(async (error: unknown, req, reply) => {
      if (!wantsHtml(req)) throw error;
      if (error instanceof SurveyRefused) return sendPage(reply, error.statusCode, surveyRefusedPage(error, timeZone));
      const err = error as FastifyError;
      if (error instanceof ValidationError || (err.statusCode && err.statusCode < 500)) {
        return sendPage(reply, error instanceof ValidationError ? 400 : err.statusCode!, surveyBadRequestPage(error instanceof ValidationError ? error.issues.map((i) => i.reason).join('; ') : 'The request could not be read.'));
      }
      const outage = outageOf(error);
      if (outage) {
        req.log.warn({ err, dependency: outage.dependency }, 'dependency unavailable');
        return sendPage(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, surveyUnavailablePage());
      }
      req.log.error({ err }, 'unhandled error');
      return sendPage(reply, 500, surveyUnavailablePage());
    });

    app.get<{ Params: { token: string } }>(
      SURVEY_ROUTE,
      {
        schema: {
          tags: ['survey'],
          summary: 'The satisfaction survey page of a resolved feedback case (public: the signed link is the credential)',
          description:
            'An HTML page (§5.2): 200 the form (case number, score 1–5, optional comment); 400 a malformed or forged link; 410 an expired link, or one replaced by a later ' +
            'survey of the case; 409 already answered; 404 no such survey. Reads only: opening the link records nothing.',
          params: tokenParams,
          security: [],
          produces: ['text/html'],
        },
      },
      async (req, reply) => {
        const survey = await openSurvey(useCaseDeps, req.params.token);
        return sendPage(reply, 200, surveyFormPage({ caseNo: survey.caseNo, expiresAt: survey.expiresAt, timeZone }));
      },
    );

    app.post<{ Params: { token: string } }>(
      SURVEY_ROUTE,
      {
        config: { acceptsForm: true },
        schema: {
          tags: ['survey'],
          summary: 'Answer the satisfaction survey (public: the signed link is the credential); an HTML form post or JSON',
          description:
            `Body: score (whole number 1–5), comment (optional, at most ${SURVEY_COMMENT_MAX_CHARS} characters), as ${FORM_TYPE} or application/json. ` +
            '200 recorded, with the survey answer (JSON) or a thank-you page (form); 400 a malformed or forged link, or a field (named); 410 expired or replaced; ' +
            '409 already answered with another score (the same score again is 200 `replayed: true` and re-sends the answer to the case); ' +
            '503 with Retry-After when the answer is recorded but could not be passed on to the case yet: send the same answer again.',
          params: tokenParams,
          body: z.toJSONSchema(surveyAnswerInput, { io: 'input' }),
          consumes: ['application/json', FORM_TYPE],
          produces: ['application/json', 'text/html'],
          security: [],
        },
      },
      async (req, reply) => {
        const html = wantsHtml(req);
        const form = isFormRequest(req);
        const body = form && req.body !== null && typeof req.body === 'object' ? formAnswer(req.body as Record<string, string | string[]>) : req.body;
        try {
          const answer = await answerSurvey(useCaseDeps, req.params.token, body, { requestId: req.id });
          if (html) return sendPage(reply, 200, surveyThanksPage(answer, { low: isLowScore(answer.score, deps.policy) }));
          return reply.code(200).header('cache-control', 'no-store').send(answer);
        } catch (err) {
          if (err instanceof SurveyAnswerNotPassedOn) {
            reply.header('retry-after', String(err.retryAfterSeconds));
            if (html) return sendPage(reply, 503, surveyNotPassedOnPage(err.answer, err.retryAfterSeconds));
            return reply.code(503).header('cache-control', 'no-store').send({ error: err.code, message: err.message, recorded: true, answer: err.answer });
          }
          if (html && err instanceof ValidationError) {
            // The link was verified before the answer was read: show the form again with what is wrong.
            let link;
            try {
              link = verifySurveyToken(req.params.token, deps.ring, clock.now());
            } catch {
              throw err; // expired this very moment: the field issues as a page of their own
            }
            const values = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
            return sendPage(reply, 400, surveyFormPage({ caseNo: link.caseNo, expiresAt: link.expiresAt, timeZone, values, errors: err.issues }));
          }
          throw err;
        }
      },
    );
  };
