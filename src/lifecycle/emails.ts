/**
 * What the lifecycle's messages say (§3.2, §5.1): text and HTML parts, times in the bank's time zone.
 * Pure: the activities send what these return.
 * Customer-facing messages carry no more personal data than needed — a first name or the legal name
 * in the greeting, nothing else: no account data, no identity numbers, no date of birth.
 */
import { formatBankTime, renderEmail, type RenderedEmail } from '../mail/render';
import type { Policy } from '../policy/policy';

/** §5.1 the birthday greeting (a service message: the marketing opt-out does not stop it). */
export function birthdayGreetingEmail(firstName: string): RenderedEmail {
  return renderEmail({
    subject: 'Happy birthday from your bank',
    greeting: `Dear ${firstName},`,
    paragraphs: ['Everyone at the bank wishes you a very happy birthday and a wonderful year ahead.', 'Thank you for banking with us.'],
    footer: 'You receive this greeting as our customer. Your contact preferences can be changed at any branch or with your relationship manager.',
  });
}

/** §5.1 the segment's periodic financial-news / product digest (marketing: stopped by the opt-out). */
export function newsDigestEmail(greetingName: string, digest: Policy['contact']['newsDigest']['REGULAR']): RenderedEmail {
  return renderEmail({
    subject: digest.subject,
    greeting: `Dear ${greetingName},`,
    paragraphs: [digest.intro],
    items: digest.topics,
    footer: 'You receive this update because you have not opted out of marketing messages. To stop them, tell your branch or relationship manager (service messages continue).',
  });
}

/** §3.2 dynamic update: to the old and the new relationship manager when a customer changes segment. */
export function segmentChangeEmail(
  staff: { name: string },
  change: { customerId: string; fromSegment: string | null; toSegment: string; reason: string; changedAt: Date },
  role: 'OLD_MANAGER' | 'NEW_MANAGER' | 'MANAGER',
  timeZone: string,
): RenderedEmail {
  const what =
    role === 'NEW_MANAGER'
      ? 'is now looked after by you.'
      : role === 'OLD_MANAGER'
        ? 'is no longer looked after by you: please hand over what is open.'
        : 'has changed segment; you remain its relationship manager.';
  return renderEmail({
    subject: `Customer ${change.customerId}: segment ${change.fromSegment ?? 'none'} → ${change.toSegment}`,
    greeting: `Hello ${staff.name},`,
    paragraphs: [`Customer ${change.customerId} ${what}`],
    facts: [
      ['Customer', change.customerId],
      ['Segment', `${change.fromSegment ?? 'none'} → ${change.toSegment}`],
      ['Rule', change.reason],
      ['Changed', formatBankTime(change.changedAt, timeZone)],
    ],
    footer: 'The service tier and its entitlements follow the new segment (§4).',
  });
}
