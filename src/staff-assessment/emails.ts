/**
 * What §7.2 staff assessment says by email: text and HTML parts, times in the bank's time zone with
 * its abbreviation, ids and codes only (no customer is named).
 */
import { formatBankDate, formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';
import type { GroupResult, IndicatorResult } from './indicators';

export const INDICATOR_LABELS: Record<string, string> = {
  surveyScore: 'Satisfaction: mean survey score (1–5)',
  phoneFollowUpScore: 'Satisfaction: phone follow-ups (1–5)',
  repeatPurchaseRate: 'Loyalty: repeat-purchase rate',
  referralRate: 'Loyalty: referral rate',
  newCustomers: 'Growth: new customers approved',
  productsOpened: 'Growth: products opened',
  productVolumeUsd: 'Growth: volume of products opened (USD)',
  reviewsOnTimeRate: 'Risk control: periodic reviews on time',
  slaMetRate: 'Risk control: feedback answered by the deadline',
  investigationsOnTimeRate: 'Risk control: risk investigations on time',
  riskEventRate: 'Risk control: risk events per customer',
};

export const GROUP_LABELS: Record<string, string> = { satisfaction: 'Customer satisfaction', loyalty: 'Loyalty', growth: 'Business growth', riskControl: 'Risk control' };

const isRate = (id: string) => id.endsWith('Rate');

/** An indicator's value as people read it: a percentage for rates, a mean with 2 decimals, whole counts and dollars. */
export function formatValue(i: Pick<IndicatorResult, 'id' | 'value'>): string {
  if (i.value === null) return 'no data';
  if (isRate(i.id)) return `${(i.value * 100).toFixed(1)} %`;
  if (i.id === 'productVolumeUsd') return `USD ${i.value.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
  if (i.id === 'surveyScore' || i.id === 'phoneFollowUpScore') return i.value.toFixed(2);
  return String(i.value);
}

export interface ResultFacts {
  period: string;
  periodStart: Date;
  periodEnd: Date;
  score: number | null;
  grade: string;
  coverage: number;
  policyVersion: string;
  indicators: IndicatorResult[];
  groups: GroupResult[];
  guidanceNotes: string | null;
  guidanceByStaffId: string | null;
  computedAt: Date;
}

/** §7.2 to the staff member: their result of the period, with their manager's guidance notes (quarters). */
export function assessmentResultEmail(staff: { name: string }, f: ResultFacts, timeZone: string): RenderedEmail {
  const last = new Date(f.periodEnd.getTime() - 1);
  const scoreText = f.score === null ? 'no score (too little data to judge this period)' : `${f.score.toFixed(1)} of 100`;
  const guidance =
    f.guidanceNotes !== null
      ? [`Guidance from ${f.guidanceByStaffId ?? 'your manager'}:`, f.guidanceNotes]
      : f.period.includes('-Q')
        ? ['No guidance notes were written for this quarter.']
        : [];
  return renderEmail({
    subject: `Your assessment for ${f.period}: ${f.grade} (§7.2)`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [
      `Your assessment for ${f.period} (${formatBankDate(f.periodStart, timeZone)} – ${formatBankDate(last, timeZone)}) is ready: ${scoreText}, grade ${f.grade}.`,
      'It is computed from the system’s own records: survey answers and phone follow-ups, repeat purchases and referrals, new customers and products, and how the risk rules were carried out. An indicator without data is left out, never counted as perfect.',
      ...guidance,
    ],
    items: f.indicators.map((i) => `${INDICATOR_LABELS[i.id] ?? i.id}: ${formatValue(i)}${i.score === null ? '' : ` (score ${i.score.toFixed(1)})`} — ${i.basis}`),
    facts: [
      ...f.groups.map((g): [string, string] => [GROUP_LABELS[g.group] ?? g.group, g.score === null ? 'no data' : `${g.score.toFixed(1)} (weight ${Math.round(g.weight * 100)} %)`]),
      ['Data coverage', `${Math.round(f.coverage * 100)} % of the weight`],
      ['Policy version', f.policyVersion],
      ['Computed', formatBankTime(f.computedAt, timeZone)],
    ],
    footer: 'Your assessments: GET /staff/<your id>/assessments, or `ccm staff-assessment show <your id>`.',
  });
}
