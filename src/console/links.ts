/**
 * Where the staff console's pages are (issue 12): the links the staff emails carry, so every link
 * in every email opens the right console page. Pure (no Node built-ins, no I/O): email composers
 * and workflow code may import it. `base` is the public base URL (PUBLIC_BASE_URL, src/config/env.ts).
 */
export interface ConsoleLinks {
  /** The inbox, optionally filtered: `inbox({ kind: 'REMINDER' })`. */
  inbox(filters?: { kind?: string; status?: string; view?: string }): string;
  /** A feedback case's page (§5.2): respond, pause, resume, resolve. */
  feedbackCase(caseNo: string): string;
  /** A reminder's page (§5.2): acknowledge it. */
  reminder(key: string): string;
  /** A customer's page (masked profile, history, open processes). */
  customer(customerId: string): string;
  /** The supervisor's page (escalations, overdue work). */
  supervisor(): string;
  /** The reports (SLA, overdue reviews, risk distribution, staff assessments). */
  reports(): string;
  signIn(): string;
}

export function consoleLinks(base: string): ConsoleLinks {
  const root = `${base.replace(/\/+$/, '')}/console`;
  const e = encodeURIComponent;
  return {
    inbox(filters = {}) {
      const query = Object.entries(filters)
        .filter((kv): kv is [string, string] => typeof kv[1] === 'string' && kv[1] !== '')
        .map(([k, v]) => `${e(k)}=${e(v)}`)
        .join('&');
      return query ? `${root}?${query}` : root;
    },
    feedbackCase: (caseNo) => `${root}/feedback/${e(caseNo)}`,
    reminder: (key) => `${root}/reminders/${e(key)}`,
    customer: (customerId) => `${root}/customers/${e(customerId)}`,
    supervisor: () => `${root}/supervisor`,
    reports: () => `${root}/reports`,
    signIn: () => `${root}/sign-in`,
  };
}

/** The API's own address when PUBLIC_BASE_URL is not given (as activities/feedback.ts assumes). */
export const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:3000';
