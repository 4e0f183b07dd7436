/**
 * The customer as the API shows it (§3.1): identity numbers masked to their last four characters
 * unless the caller's role needs them (and then the read is audited); no date of birth by default.
 * §6.1 risk inputs of the profile: employment and income variability, an enterprise's founding date;
 * the credit bureau figures masked ("•••••" when on file) unless revealed to a role that needs them
 * (src/customers/get-customer.ts, audited); the free-text credit record is never shown.
 */
import type { Prisma } from '../db/generated/client';
import type { CreditBureau } from './credit-bureau';

export const customerInclude = {
  identity: true,
  individualProfile: true,
  enterpriseProfile: true,
  review: true,
} satisfies Prisma.CustomerInclude;

export type CustomerRow = Prisma.CustomerGetPayload<{ include: typeof customerInclude }>;

/**
 * What `toCustomerView` reads of a row: a CustomerRow has it all; the read paths of GET /customers
 * and GET /customers/:id load just this, in one query (src/customers/customer-rows.ts, issue 12).
 */
export type CustomerViewRow = Pick<
  CustomerRow,
  | 'id' | 'type' | 'status' | 'displayName' | 'email' | 'phone' | 'contactPreferences' | 'channel'
  | 'segment' | 'ageGroup' | 'enterpriseSize' | 'industrySector' | 'serviceTier' | 'classificationPolicyVersion'
  | 'relationshipManagerId' | 'referredByCustomerId' | 'createdByStaffId' | 'createdAt' | 'version'
> & {
  identity: Pick<NonNullable<CustomerRow['identity']>, 'kind' | 'last4' | 'issuingCountry' | 'numberCiphertext'> | null;
  individualProfile: Pick<
    NonNullable<CustomerRow['individualProfile']>,
    'firstName' | 'lastName' | 'totalAssetsUsd' | 'creditBureauCiphertext' | 'employmentType' | 'employmentSince' | 'incomeVariability'
  > | null;
  enterpriseProfile: Pick<
    NonNullable<CustomerRow['enterpriseProfile']>,
    'legalName' | 'registrationState' | 'naicsCode' | 'employees' | 'annualRevenueUsd' | 'totalAssetsUsd' | 'establishedOn'
  > | null;
};

export interface CustomerView {
  id: string;
  type: CustomerRow['type'];
  status: CustomerRow['status'];
  displayName: string;
  email: string | null;
  phone: string | null;
  contactPreferences: unknown;
  channel: CustomerRow['channel'];
  classification: {
    segment: string | null;
    ageGroup: string | null;
    enterpriseSize: string | null;
    industrySector: string | null;
    serviceTier: string | null;
    policyVersion: string | null;
  };
  relationshipManagerId: string | null;
  /** §7.2 loyalty: the customer who referred this one (null: not referred). */
  referredByCustomerId: string | null;
  identity: { kind: string; number: string; issuer: string | null } | null;
  individual?: {
    firstName: string;
    lastName: string;
    totalAssetsUsd: string | null;
    /** §6.1 null: none on file; "•••••": on file, masked; the figures when revealed. */
    creditBureau: CreditBureau | typeof MASK | null;
    employmentType: string | null;
    /** YYYY-MM-DD */
    employmentSince: string | null;
    incomeVariability: string | null;
  };
  enterprise?: {
    legalName: string;
    registrationState: string | null;
    naicsCode: string | null;
    employees: number | null;
    annualRevenueUsd: string | null;
    totalAssetsUsd: string | null;
    /** §6.1 YYYY-MM-DD */
    establishedOn: string | null;
  };
  createdByStaffId: string;
  createdAt: string;
  version: number;
}

export const MASK = '•••••';

/** A @db.Date column as YYYY-MM-DD. */
const isoDay = (d: Date | null): string | null => (d === null ? null : d.toISOString().slice(0, 10));

/**
 * `identityNumber`: the decrypted number when the caller may see it, else undefined (masked).
 * `revealed.creditBureau`: the decrypted §6.1 bureau figures when the caller may see them, else masked.
 */
export function toCustomerView(row: CustomerViewRow, identityNumber?: string, revealed: { creditBureau?: CreditBureau } = {}): CustomerView {
  const view: CustomerView = {
    id: row.id,
    type: row.type,
    status: row.status,
    displayName: row.displayName,
    email: row.email,
    phone: row.phone,
    contactPreferences: row.contactPreferences,
    channel: row.channel,
    classification: {
      segment: row.segment,
      ageGroup: row.ageGroup,
      enterpriseSize: row.enterpriseSize,
      industrySector: row.industrySector,
      serviceTier: row.serviceTier,
      policyVersion: row.classificationPolicyVersion,
    },
    relationshipManagerId: row.relationshipManagerId,
    referredByCustomerId: row.referredByCustomerId,
    identity: row.identity
      ? { kind: row.identity.kind, number: identityNumber ?? `${MASK}${row.identity.last4}`, issuer: row.identity.issuingCountry }
      : null,
    createdByStaffId: row.createdByStaffId,
    createdAt: row.createdAt.toISOString(),
    version: row.version,
  };
  if (row.individualProfile) {
    const p = row.individualProfile;
    view.individual = {
      firstName: p.firstName,
      lastName: p.lastName,
      totalAssetsUsd: p.totalAssetsUsd?.toString() ?? null,
      creditBureau: p.creditBureauCiphertext === null ? null : (revealed.creditBureau ?? MASK),
      employmentType: p.employmentType,
      employmentSince: isoDay(p.employmentSince),
      incomeVariability: p.incomeVariability?.toString() ?? null,
    };
  }
  if (row.enterpriseProfile) {
    const e = row.enterpriseProfile;
    view.enterprise = {
      legalName: e.legalName,
      registrationState: e.registrationState,
      naicsCode: e.naicsCode,
      employees: e.employees,
      annualRevenueUsd: e.annualRevenueUsd?.toString() ?? null,
      totalAssetsUsd: e.totalAssetsUsd?.toString() ?? null,
      establishedOn: isoDay(e.establishedOn),
    };
  }
  return view;
}
