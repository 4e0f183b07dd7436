/**
 * The pages the customer sees at the survey link (§5.2 satisfaction follow-up; served by
 * src/api/routes/survey.ts): the form, the thank-you page, and a clear page for each refusal. Plain,
 * accessible HTML: one self-contained document (no scripts, images, fonts or external assets; a small
 * inline style sheet), a labelled fieldset of radio buttons and a labelled text area, an error summary
 * that links to the field at fault, times in the bank's time zone with its abbreviation, and every
 * interpolated value HTML-escaped. Pure: the route sets the status and the headers.
 */
import { escapeHtml, formatBankTime } from '../mail/render';
import type { FieldIssue } from '../shared/errors';
import { SURVEY_COMMENT_MAX_CHARS, type SurveyAnswer, type SurveyRefused } from './answer-survey';

export const SCORE_LABELS: Record<number, string> = {
  1: 'Very dissatisfied',
  2: 'Dissatisfied',
  3: 'Neither satisfied nor dissatisfied',
  4: 'Satisfied',
  5: 'Very satisfied',
};

/** Headers of every survey page: never cached or indexed, the token never leaks in a Referer, nothing external loads. */
export const SURVEY_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

const STYLE = `
body{margin:0;background:#f3f4f6;color:#1f2933;font-family:Arial,Helvetica,sans-serif;font-size:1rem;line-height:1.5}
main{max-width:38rem;margin:0 auto;padding:1.5rem 1.75rem;background:#fff}
h1{font-size:1.5rem;margin:0 0 1rem}
p{margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.25rem;padding:0}
legend{font-weight:bold;margin-bottom:.5rem}
.choice{margin:.35rem 0}
.choice input{width:1.2rem;height:1.2rem;vertical-align:middle;margin-right:.5rem}
label{cursor:pointer}
.field{margin:0 0 1.25rem}
.field>label{display:block;font-weight:bold;margin-bottom:.25rem}
.hint{color:#52606d;font-size:.9rem;margin:0 0 .35rem}
textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:2px solid #52606d}
button{font:inherit;font-weight:bold;padding:.6rem 1.2rem;background:#0b5394;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #f4b400;outline-offset:2px}
.error-summary{border:3px solid #b00020;padding:.75rem 1rem;margin:0 0 1.25rem}
.error-summary h2{font-size:1.1rem;margin:0 0 .5rem}
.error{color:#b00020;font-weight:bold;margin:0 0 .35rem}
.error-summary a{color:#b00020}
.facts{color:#52606d}
`;

function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} · Customer care</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<main>\n${body}\n</main>`,
    '</body>',
    '</html>',
  ].join('\n');
}

const p = (text: string) => `<p>${escapeHtml(text)}</p>`;

export interface SurveyFormView {
  caseNo: string;
  expiresAt: Date;
  timeZone: string;
  /** What the customer sent, to show again with the errors. */
  values?: { score?: unknown; comment?: unknown };
  errors?: FieldIssue[];
}

const SCORE_ERROR_ID = 'score-error';
const COMMENT_ERROR_ID = 'comment-error';

/** The form: the case, a 1–5 score (required) and an optional comment. Posts to the same address. */
export function surveyFormPage(v: SurveyFormView): string {
  const errors = v.errors ?? [];
  const scoreError = errors.find((e) => e.field === 'score');
  const commentError = errors.find((e) => e.field === 'comment');
  const otherErrors = errors.filter((e) => e !== scoreError && e !== commentError);
  const chosen = typeof v.values?.score === 'number' ? v.values.score : typeof v.values?.score === 'string' ? Number(v.values.score) : undefined;
  const comment = typeof v.values?.comment === 'string' ? v.values.comment : '';

  const parts: string[] = [`<h1>How satisfied are you with our answer?</h1>`];
  if (errors.length) {
    const items = [
      ...(scoreError ? [`<li><a href="#score-1">Choose a score: ${escapeHtml(scoreError.reason)}</a></li>`] : []),
      ...(commentError ? [`<li><a href="#comment">Your comment: ${escapeHtml(commentError.reason)}</a></li>`] : []),
      ...otherErrors.map((e) => `<li>${escapeHtml(e.field === '(body)' ? e.reason : `${e.field}: ${e.reason}`)}</li>`),
    ];
    parts.push(`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">\n<h2 id="error-summary-title">Please check your answer</h2>\n<ul>${items.join('')}</ul>\n</div>`);
  }
  parts.push(
    `<p class="facts">Feedback case <strong>${escapeHtml(v.caseNo)}</strong>. This survey is open until ${escapeHtml(formatBankTime(v.expiresAt, v.timeZone))}.</p>`,
    p('Your answer helps us improve. Choose a score; a comment is welcome but optional. Nothing is recorded until you press “Send my answer”.'),
    '<form method="post" action="" accept-charset="UTF-8">',
    `<fieldset${scoreError ? ` aria-describedby="${SCORE_ERROR_ID}"` : ''}>`,
    '<legend>Your score (required)</legend>',
    ...(scoreError ? [`<p class="error" id="${SCORE_ERROR_ID}">${escapeHtml(scoreError.reason)}</p>`] : []),
    ...[5, 4, 3, 2, 1].map(
      (n) =>
        `<div class="choice"><input type="radio" id="score-${n}" name="score" value="${n}" required${chosen === n ? ' checked' : ''}${scoreError ? ' aria-invalid="true"' : ''}>` +
        `<label for="score-${n}">${n} – ${escapeHtml(SCORE_LABELS[n]!)}</label></div>`,
    ),
    '</fieldset>',
    '<div class="field">',
    '<label for="comment">Comment (optional)</label>',
    `<p class="hint" id="comment-hint">Up to ${SURVEY_COMMENT_MAX_CHARS} characters. Please do not include account or card numbers.</p>`,
    ...(commentError ? [`<p class="error" id="${COMMENT_ERROR_ID}">${escapeHtml(commentError.reason)}</p>`] : []),
    `<textarea id="comment" name="comment" rows="6" maxlength="${SURVEY_COMMENT_MAX_CHARS}" aria-describedby="comment-hint${commentError ? ` ${COMMENT_ERROR_ID}` : ''}"${commentError ? ' aria-invalid="true"' : ''}>${escapeHtml(comment)}</textarea>`,
    '</div>',
    '<button type="submit">Send my answer</button>',
    '</form>',
  );
  return page(`Survey for case ${v.caseNo}`, parts.join('\n'));
}

/** After the answer is recorded (or was already, with the same score). */
export function surveyThanksPage(answer: Pick<SurveyAnswer, 'caseNo' | 'score'>, opts: { low: boolean }): string {
  return page(
    'Thank you',
    [
      '<h1>Thank you for your answer</h1>',
      `<p>Your score for feedback case <strong>${escapeHtml(answer.caseNo)}</strong>: ${answer.score} of 5 (${escapeHtml(SCORE_LABELS[answer.score] ?? '')}).</p>`,
      opts.low
        ? p('We are sorry we did not get it right. Your case will be looked at again, and we will be in touch.')
        : p('We are glad to have helped. You may now close this page.'),
    ].join('\n'),
  );
}

/** A link that cannot be answered: what happened and what the customer can do. */
export function surveyRefusedPage(refusal: SurveyRefused, timeZone: string): string {
  const when = (d: Date | undefined) => (d ? formatBankTime(d, timeZone) : undefined);
  const lines: string[] = [`<h1>${escapeHtml(refusal.title)}</h1>`];
  switch (refusal.reason) {
    case 'MALFORMED':
      lines.push(p('The survey link is incomplete or was changed. Please open the link in the email again; if your email program split it over two lines, copy all of it into the address bar.'));
      break;
    case 'FORGED':
      lines.push(p('This survey link was not issued by the bank, or it was changed. Please use the link in the email we sent you.'));
      break;
    case 'EXPIRED': {
      const closed = when(refusal.details.expiresAt);
      lines.push(p(`The survey for this case closed${closed ? ` on ${closed}` : ''}, so it can no longer be answered.`));
      break;
    }
    case 'REPLACED':
      lines.push(p(`We have answered your case${refusal.details.caseNo ? ` ${refusal.details.caseNo}` : ''} again since the email with this link. Please use the survey link in our latest email about it.`));
      break;
    case 'ANSWERED': {
      const at = when(refusal.details.answeredAt);
      lines.push(p(`This survey was already answered${at ? ` on ${at}` : ''}. A survey takes one answer. Thank you for it.`));
      break;
    }
    case 'NOT_FOUND':
      lines.push(p('There is no open survey for this link. Please use the survey link in our latest email about your case.'));
      break;
  }
  lines.push(p('If you would still like to tell us how we did, please reply to the email that brought you here.'));
  return page(refusal.title, lines.join('\n'));
}

/** The answer is recorded, but could not be passed on yet: the same answer again (a button) completes it. */
export function surveyNotPassedOnPage(answer: Pick<SurveyAnswer, 'caseNo' | 'score'>, retryAfterSeconds: number): string {
  return page(
    'Answer saved',
    [
      '<h1>Your answer is saved</h1>',
      `<p>We recorded your score of ${answer.score} of 5 for case <strong>${escapeHtml(answer.caseNo)}</strong>, but we could not pass it on to the team just now.</p>`,
      p(`Please press the button below in ${Math.max(1, Math.round(retryAfterSeconds / 60))} minute or so. It sends the same answer again; it will not be counted twice.`),
      '<form method="post" action="" accept-charset="UTF-8">',
      `<input type="hidden" name="score" value="${answer.score}">`,
      '<button type="submit">Send it again</button>',
      '</form>',
    ].join('\n'),
  );
}

/** A request the survey could not read at all (e.g. an unsupported content type, a broken address). */
export function surveyBadRequestPage(message: string): string {
  return page('Something went wrong', ['<h1>We could not read that</h1>', p(message), p('Please open the survey link in the email again and send the form from there.')].join('\n'));
}

/** A failure on our side (not the customer's). */
export function surveyUnavailablePage(): string {
  return page('Please try again later', ['<h1>Please try again later</h1>', p('The survey is not available just now. Please try again in a few minutes; nothing was recorded.')].join('\n'));
}
