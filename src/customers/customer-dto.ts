/**
 * §2.3 step 1 first-contact data, as zod DTOs shared by the API, the CLI and the CSV import.
 * Every field is checked on its own, so a ValidationError names each bad field and value.
 */
import { z } from 'zod';
import { contactPreferencesSchema, dateOfBirthSchema, emailSchema, personNameSchema, phoneSchema } from '../domain/contact';
import { identitySchema } from '../domain/identity';
import { US_JURISDICTIONS } from '../domain/identity';
import { ageInYears } from '../domain/classification';
import type { Policy } from '../policy/policy';

export const CHANNELS = ['WEBSITE', 'MOBILE_APP', 'BRANCH', 'IMPORT'] as const;
const INDIVIDUAL_ID_KINDS = ['SSN', 'ITIN', 'PASSPORT'];
const ENTERPRISE_ID_KINDS = ['EIN', 'BUSINESS_REGISTRATION'];
const usd = z.number().finite().nonnegative('must not be negative').max(1e15, 'implausibly large');

/**
 * `today` (YYYY-MM-DD in the bank's time zone) bounds the date of birth and is the day the age is
 * counted on (§2.1: adult on the bank's calendar day); the policy sets the adult age. Building a zod
 * schema costs far more than using one, so the request path takes it from `newCustomerSchemaFor`.
 */
export function newCustomerSchema(today: string, policy: Policy) {
  const asOf = new Date(`${today}T12:00:00Z`); // ageInYears counts on this date's UTC calendar day: `today`
  const contact = {
    channel: z.enum(CHANNELS, { error: `one of ${CHANNELS.join(', ')}` }),
    email: emailSchema.optional(),
    phone: phoneSchema.optional(),
    contactPreferences: contactPreferencesSchema.optional(),
    identity: identitySchema,
    /** §7.2 loyalty: the existing customer who referred this one (recorded at first contact; must exist). */
    referredByCustomerId: z.string().trim().min(1, 'a customer id, e.g. cus_…').max(64, 'at most 64 characters').optional(),
  };
  const individual = z.strictObject({
    type: z.literal('INDIVIDUAL'),
    firstName: personNameSchema,
    lastName: personNameSchema,
    dateOfBirth: dateOfBirthSchema(today),
    totalAssetsUsd: usd.optional(),
    ...contact,
  });
  const enterprise = z.strictObject({
    type: z.literal('ENTERPRISE'),
    legalName: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
    registrationState: z.enum(US_JURISDICTIONS, { error: 'a US state, DC or territory code such as DE' }).optional(),
    naicsCode: z.string().regex(/^\d{2,6}$/, 'a NAICS code of 2 to 6 digits, e.g. 522110'),
    employees: z.number().int('a whole number').nonnegative('must not be negative').optional(),
    annualRevenueUsd: usd.optional(),
    totalAssetsUsd: usd.optional(),
    ...contact,
  });
  return z.discriminatedUnion('type', [individual, enterprise], { error: 'type must be INDIVIDUAL or ENTERPRISE' }).superRefine((c, ctx) => {
    if (!c.email && !c.phone) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'an email address or a phone number is required' });
    }
    const allowed = c.type === 'INDIVIDUAL' ? INDIVIDUAL_ID_KINDS : ENTERPRISE_ID_KINDS;
    if (!allowed.includes(c.identity.kind)) {
      ctx.addIssue({ code: 'custom', path: ['identity', 'kind'], message: `an ${c.type.toLowerCase()} is identified by ${allowed.join(', ')}` });
    }
    // A date of birth after today already has its own issue ('must not be in the future'); no age to count.
    if (c.type === 'INDIVIDUAL' && c.dateOfBirth <= today && ageInYears(c.dateOfBirth, asOf) < policy.individual.minimumAgeYears) {
      ctx.addIssue({
        code: 'custom',
        path: ['dateOfBirth'],
        message: `§2.1: a primary customer must be at least ${policy.individual.minimumAgeYears}`,
      });
    }
  });
}

export type NewCustomer = z.output<ReturnType<typeof newCustomerSchema>>;

const schemaCache = new WeakMap<Policy, { today: string; schema: ReturnType<typeof newCustomerSchema> }>();

/** The schema for `today` under `policy`, built once per day and policy. */
export function newCustomerSchemaFor(today: string, policy: Policy): ReturnType<typeof newCustomerSchema> {
  const cached = schemaCache.get(policy);
  if (cached?.today === today) return cached.schema;
  const schema = newCustomerSchema(today, policy);
  schemaCache.set(policy, { today, schema });
  return schema;
}
