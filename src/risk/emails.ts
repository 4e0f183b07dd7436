/**
 * What the §6.2 HIGH/D follow-up says to staff: text and HTML parts, times in the bank's time zone,
 * ids and codes only (the customer is named by id; the reasons are the scorecard's plain words).
 */
import { formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';
import type { ConsoleLinks } from '../console/links';

export interface InvestigationFacts {
  customerId: string;
  rating: string;
  previousRating: string | null;
  reasons: string[];
  investigationTaskId: string;
  planTaskId: string;
  planDueAt: Date;
  restrictedRiskClasses: number[];
}

/** To the risk officer who takes the investigation, and to the customer's relationship manager. */
export function investigationOpenedEmail(staff: { name: string }, f: InvestigationFacts, role: 'RISK_OFFICER' | 'RELATIONSHIP_MANAGER', timeZone: string, links?: ConsoleLinks): RenderedEmail {
  const ask =
    role === 'RISK_OFFICER'
      ? `Please investigate the cause and record a targeted mitigation plan (more collateral, a changed cooperation model) by ${formatBankTime(f.planDueAt, timeZone)}.`
      : 'A risk officer investigates the cause and records a mitigation plan; please support them with what you know of the customer.';
  return renderEmail({
    subject: `Customer ${f.customerId} rated ${f.rating}: risk investigation opened (§6.2)`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [`Customer ${f.customerId} is now rated ${f.rating}${f.previousRating ? ` (was ${f.previousRating})` : ''}. ${ask}`],
    facts: [
      ['Customer', f.customerId],
      ['Rating', `${f.previousRating ?? 'none'} → ${f.rating}`],
      ['Restricted product risk classes', f.restrictedRiskClasses.length ? f.restrictedRiskClasses.join(', ') : 'none'],
      ['Investigation task', f.investigationTaskId],
      ['Mitigation plan task', f.planTaskId],
      ['Plan due', formatBankTime(f.planDueAt, timeZone)],
    ],
    items: f.reasons,
    ...(links
      ? { action: role === 'RISK_OFFICER' ? { label: 'Open the investigation in the staff console', url: links.inbox({ kind: 'RISK_INVESTIGATION' }) } : { label: 'Open the customer in the staff console', url: links.customer(f.customerId) } }
      : {}),
    footer: 'High-risk products are restricted until the rating improves (§6.2). Record the cause analysis and the plan in the staff console or with `ccm risk investigation` / `ccm risk plan`.',
  });
}
