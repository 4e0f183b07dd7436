/**
 * Use case (§2.3 step 2): the deeper profile, gathered while the customer does business.
 *   individual: annualIncomeUsd, incomeSource, totalAssetsUsd, debtsUsd, savingsGoal, spendingPattern,
 *               creditRecord (stored encrypted, §3.1; never echoed in errors or audit records);
 *               §6.1 risk inputs: creditBureau { score, delinquencies, defaults, reportedOn } (the credit
 *               record's figures; encrypted and never echoed like creditRecord, src/customers/credit-bureau.ts),
 *               employmentType, employmentSince, incomeVariability (income stability)
 *   enterprise: employees, annualRevenueUsd, totalAssetsUsd, naicsCode, operations, purposeOfFunds;
 *               §6.1 establishedOn (operating risk: years in business)
 * Dates (YYYY-MM-DD) are days of the bank's calendar and must not be in the future.
 * An APPROVED customer is re-classified at once (§2.1 / §2.2, §3.2 "updated at once", §6 "at once when
 * its inputs change"): a new segment writes a SegmentChange row with the rule that caused it and moves
 * the §4 service tier. Profile, classification, segment change and audit records commit together.
 * Roles and optimistic concurrency as for PATCH /customers/:id (src/customers/update-customer.ts).
 * The §4 coverage the new segment requires (e.g. a dedicated manager for VIP) is assigned at once.
 * After the commit, a real change of an APPROVED customer signals its lifecycle (`customerChanged`,
 * field names only; best effort: src/lifecycle/notify-lifecycle.ts) when `deps.temporal` is given.
 */
import { z } from 'zod';
import { diffFields, writeAudit, type FieldChanges } from '../audit/audit-log';
import { Prisma, type Db, type DbTx } from '../db/client';
import { calendarDateIn } from '../domain/business-calendar';
import { industrySector, type SegmentChange } from '../domain/classification';
import { EMPLOYMENT_TYPES } from '../domain/risk-scorecard';
import { applyClassification, classifyRow, ensureCoverage } from './classify-customer';
import { bankTimeZone, type Policy } from '../policy/policy';
import { requireRole, type Actor } from '../security/auth';
import { decryptField, encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import type { Clock } from '../shared/clock';
import { parseInput, ValidationError } from '../shared/errors';
import { notifyCustomerChanged, type NotifyDeps } from '../lifecycle/notify-lifecycle';
import { findCustomerIn, ownCustomerScope } from './access';
import { claimVersion, expectedVersion } from './concurrency';
import { aad } from './encrypted-fields';
import { canonicalCreditBureau, creditBureauInput, decryptCreditBureau, EARLIEST_REPORT_DATE, encryptCreditBureau, isoDateSchema, notInFuture, type CreditBureau } from './credit-bureau';
import { customerInclude, toCustomerView, type CustomerRow, type CustomerView } from './customer-view';
import { UPDATE_ANY_ROLES, UPDATE_ROLES, type UpdateContext } from './update-customer';


/** Input fields whose rejected values are not echoed in errors, and whose values never reach the audit log. */
export const SENSITIVE_PROFILE_FIELDS = ['creditRecord', 'creditBureau'] as const;

/** §6.1 income variability: the coefficient of variation of the monthly income; above this is a typing mistake. */
export const MAX_INCOME_VARIABILITY = 10;
/** §6.1 a business established before this is a typing mistake. */
export const EARLIEST_ESTABLISHED_ON = '1600-01-01';

const usd = z
  .number({ error: 'an amount in USD' })
  .finite()
  .nonnegative('must not be negative')
  .max(1e15, 'implausibly large')
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most 2 decimal places (cents)');
/** Free text: trimmed, 1–max characters, line breaks allowed, no other control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty (send null to clear it)')
    .max(max, `at most ${max} characters`)
    .regex(/^(?:[^\p{Cc}\p{Cf}]|[\n\t])*$/u, 'must not contain control characters');
const version = z.number().int('a whole number').positive('a version number ≥ 1').optional();

export const individualProfileInput = z.strictObject({
  annualIncomeUsd: usd.nullable().optional(),
  incomeSource: text(200).nullable().optional(),
  /** §2.1 total assets with the bank: decides the asset tier (VIP, HIGH_NET_WORTH). */
  totalAssetsUsd: usd.nullable().optional(),
  debtsUsd: usd.nullable().optional(),
  savingsGoal: text(500).nullable().optional(),
  spendingPattern: text(500).nullable().optional(),
  /** §6.1 credit record; stored encrypted. */
  creditRecord: text(2000).nullable().optional(),
  /** §6.1 the credit record's figures from the bureau; stored encrypted, never echoed. */
  creditBureau: creditBureauInput.nullable().optional(),
  /** §6.1 income stability: how the income is earned … */
  employmentType: z.enum(EMPLOYMENT_TYPES, { error: `one of ${EMPLOYMENT_TYPES.join(', ')}` }).nullable().optional(),
  /** … since when (YYYY-MM-DD, not in the future; tenure is counted from it) … */
  employmentSince: isoDateSchema(EARLIEST_REPORT_DATE).nullable().optional(),
  /** … and how much the monthly income varies: standard deviation ÷ mean, 0 (steady) to 10, at most 4 decimals. */
  incomeVariability: z
    .number({ error: `a number 0–${MAX_INCOME_VARIABILITY} (standard deviation ÷ mean of the monthly income)` })
    .finite()
    .nonnegative('must not be negative')
    .max(MAX_INCOME_VARIABILITY, `at most ${MAX_INCOME_VARIABILITY}`)
    .refine((n) => Math.abs(n * 1e4 - Math.round(n * 1e4)) < 1e-6, 'at most 4 decimal places')
    .nullable()
    .optional(),
  version,
});

export const enterpriseProfileInput = z.strictObject({
  employees: z.number().int('a whole number').nonnegative('must not be negative').max(10_000_000, 'implausibly large').nullable().optional(),
  annualRevenueUsd: usd.nullable().optional(),
  totalAssetsUsd: usd.nullable().optional(),
  naicsCode: z
    .string()
    .regex(/^\d{2,6}$/, 'a NAICS code of 2 to 6 digits, e.g. 522110')
    .refine((code) => {
      try {
        industrySector(code);
        return true;
      } catch {
        return false;
      }
    }, 'its first two digits are no NAICS sector')
    .optional(),
  operations: text(1000).nullable().optional(),
  /** §2.3 step 2 purpose of funds (e.g. for a loan). */
  purposeOfFunds: text(1000).nullable().optional(),
  /** §6.1 operating risk: the day the business started trading (YYYY-MM-DD, not in the future). */
  establishedOn: isoDateSchema(EARLIEST_ESTABLISHED_ON).nullable().optional(),
  version,
});

/**
 * §6.1 the dates of a profile update that lie after `today` (YYYY-MM-DD, the bank's calendar): the
 * field issues, the credit report's date without its value (§3.1 sensitive). Empty: none.
 */
export function profileDateIssues(
  input: { creditBureau?: { reportedOn: string } | null; employmentSince?: string | null; establishedOn?: string | null },
  today: string,
): { field: string; value?: string; reason: string }[] {
  return [
    ...notInFuture('creditBureau.reportedOn', input.creditBureau?.reportedOn, today, false),
    ...notInFuture('employmentSince', input.employmentSince, today),
    ...notInFuture('establishedOn', input.establishedOn, today),
  ];
}

export type ProfileUpdateResult = CustomerView & { segmentChange?: { from: string | null; to: string; reason: string } };

export interface ProfileDeps extends NotifyDeps {
  db: Db;
  ring: KeyRing;
  policy: Policy;
  clock: Clock;
}

const money = (v: Prisma.Decimal | number | null | undefined): string | null => (v === null || v === undefined ? null : new Prisma.Decimal(v).toString());
/** A @db.Date column as YYYY-MM-DD, and back. */
const isoDay = (d: Date | null): string | null => (d === null ? null : d.toISOString().slice(0, 10));
const dbDay = (d: string | null): Date | null => (d === null ? null : new Date(`${d}T00:00:00.000Z`));

export async function updateProfile(deps: ProfileDeps, actor: Actor, id: string, body: unknown, ctx: UpdateContext = {}): Promise<ProfileUpdateResult> {
  requireRole(actor, ...UPDATE_ROLES);
  const scope = ownCustomerScope(actor, UPDATE_ANY_ROLES);
  const { type } = await findCustomerIn(deps.db, id, scope);
  const input =
    type === 'INDIVIDUAL'
      ? { type, ...parseInput(individualProfileInput, body, SENSITIVE_PROFILE_FIELDS) }
      : { type, ...parseInput(enterpriseProfileInput, body) };
  const { version: bodyVersion, type: _type, ...fields } = input;
  const version = expectedVersion(ctx.ifMatch, bodyVersion);
  if (Object.keys(fields).length === 0) {
    throw new ValidationError([{ field: '(body)', reason: `nothing to update: send one or more ${type.toLowerCase()} profile fields` }]);
  }
  const now = deps.clock.now();
  const dateIssues = profileDateIssues(input, calendarDateIn(now, bankTimeZone(deps.policy)));
  if (dateIssues.length > 0) throw new ValidationError(dateIssues);
  const audit = { actorStaffId: actor.staffId, entity: 'Customer', entityId: id, customerId: id, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) };
  let changed: string[] = [];

  const result = await deps.db.$transaction(async (tx): Promise<ProfileUpdateResult> => {
    const row = await findCustomerIn(tx, id, scope);
    const changes =
      input.type === 'INDIVIDUAL' ? await individualChanges(deps, row, input) : enterpriseChanges(row, input);
    if (Object.keys(changes.fields).length === 0) {
      if (row.version !== version) await claimVersion(tx, id, version, scope);
      return toCustomerView(row); // the same values: nothing changed, nothing to record
    }
    await claimVersion(tx, id, version, scope);
    changed = Object.keys(changes.fields);
    await changes.write(tx);
    await writeAudit(tx, { ...audit, action: 'customer.profile.update', changes: changes.fields });

    const change = row.status === 'APPROVED' ? await reclassify(deps, tx, id, actor, now, audit) : undefined;
    const view = toCustomerView(await tx.customer.findUniqueOrThrow({ where: { id }, include: customerInclude }));
    return change ? { ...view, segmentChange: { from: change.from, to: change.to, reason: change.reason } } : view;
  });
  if (changed.length > 0 && result.status === 'APPROVED') await notifyCustomerChanged(deps, id, changed, actor.staffId);
  return result;
}

interface ProfileChanges {
  fields: ReturnType<typeof diffFields>;
  write: (tx: DbTx) => Promise<unknown>;
}

async function individualChanges(
  deps: ProfileDeps,
  row: CustomerRow,
  input: z.output<typeof individualProfileInput> & { type: 'INDIVIDUAL' },
): Promise<ProfileChanges> {
  const p = row.individualProfile;
  if (!p) throw new Error(`individual customer ${row.id} has no individual profile`);
  const creditBefore = p.creditRecordCiphertext ? decryptField(deps.ring, p.creditRecordCiphertext, aad.creditRecord(row.id)) : null;
  const bureauBefore: CreditBureau | null = p.creditBureauCiphertext ? decryptCreditBureau(deps.ring, row.id, p.creditBureauCiphertext) : null;
  const before = {
    annualIncomeUsd: money(p.annualIncomeUsd),
    incomeSource: p.incomeSource,
    totalAssetsUsd: money(p.totalAssetsUsd),
    debtsUsd: money(p.debtsUsd),
    savingsGoal: p.savingsGoal,
    spendingPattern: p.spendingPattern,
    creditRecord: creditBefore,
    creditBureau: bureauBefore,
    employmentType: p.employmentType,
    employmentSince: isoDay(p.employmentSince),
    incomeVariability: money(p.incomeVariability),
  };
  const after = {
    annualIncomeUsd: input.annualIncomeUsd === undefined ? before.annualIncomeUsd : money(input.annualIncomeUsd),
    incomeSource: input.incomeSource === undefined ? before.incomeSource : input.incomeSource,
    totalAssetsUsd: input.totalAssetsUsd === undefined ? before.totalAssetsUsd : money(input.totalAssetsUsd),
    debtsUsd: input.debtsUsd === undefined ? before.debtsUsd : money(input.debtsUsd),
    savingsGoal: input.savingsGoal === undefined ? before.savingsGoal : input.savingsGoal,
    spendingPattern: input.spendingPattern === undefined ? before.spendingPattern : input.spendingPattern,
    creditRecord: input.creditRecord === undefined ? before.creditRecord : input.creditRecord,
    creditBureau: input.creditBureau === undefined ? before.creditBureau : input.creditBureau === null ? null : canonicalCreditBureau(input.creditBureau),
    employmentType: input.employmentType === undefined ? before.employmentType : input.employmentType,
    employmentSince: input.employmentSince === undefined ? before.employmentSince : input.employmentSince,
    incomeVariability: input.incomeVariability === undefined ? before.incomeVariability : money(input.incomeVariability),
  };
  return {
    fields: diffFields(before, after, SENSITIVE_PROFILE_FIELDS),
    write: (tx) =>
      tx.individualProfile.update({
        where: { customerId: row.id },
        data: {
          annualIncomeUsd: after.annualIncomeUsd,
          incomeSource: after.incomeSource,
          totalAssetsUsd: after.totalAssetsUsd,
          debtsUsd: after.debtsUsd,
          savingsGoal: after.savingsGoal,
          spendingPattern: after.spendingPattern,
          ...(input.creditRecord === undefined
            ? {}
            : { creditRecordCiphertext: input.creditRecord === null ? null : encryptField(deps.ring, input.creditRecord, aad.creditRecord(row.id)) }),
          ...(input.creditBureau === undefined
            ? {}
            : { creditBureauCiphertext: input.creditBureau === null ? null : encryptCreditBureau(deps.ring, row.id, input.creditBureau) }),
          employmentType: after.employmentType,
          employmentSince: dbDay(after.employmentSince),
          incomeVariability: after.incomeVariability,
        },
      }),
  };
}

function enterpriseChanges(row: CustomerRow, input: z.output<typeof enterpriseProfileInput> & { type: 'ENTERPRISE' }): ProfileChanges {
  const p = row.enterpriseProfile;
  if (!p) throw new Error(`enterprise customer ${row.id} has no enterprise profile`);
  const before = {
    employees: p.employees,
    annualRevenueUsd: money(p.annualRevenueUsd),
    totalAssetsUsd: money(p.totalAssetsUsd),
    naicsCode: p.naicsCode,
    operations: p.operations,
    purposeOfFunds: p.purposeOfFunds,
    establishedOn: isoDay(p.establishedOn),
  };
  const after = {
    employees: input.employees === undefined ? before.employees : input.employees,
    annualRevenueUsd: input.annualRevenueUsd === undefined ? before.annualRevenueUsd : money(input.annualRevenueUsd),
    totalAssetsUsd: input.totalAssetsUsd === undefined ? before.totalAssetsUsd : money(input.totalAssetsUsd),
    naicsCode: input.naicsCode ?? before.naicsCode,
    operations: input.operations === undefined ? before.operations : input.operations,
    purposeOfFunds: input.purposeOfFunds === undefined ? before.purposeOfFunds : input.purposeOfFunds,
    establishedOn: input.establishedOn === undefined ? before.establishedOn : input.establishedOn,
  };
  return {
    fields: diffFields(before, after),
    write: (tx) => tx.enterpriseProfile.update({ where: { customerId: row.id }, data: { ...after, establishedOn: dbDay(after.establishedOn) } }),
  };
}

/**
 * §2.1 / §2.2 on the updated profile; writes the new classification and §4 service tier when they
 * differ, a SegmentChange row when the segment does, and the §4 coverage the new segment requires
 * (e.g. a dedicated relationship manager on reaching VIP). Returns the segment change, if any.
 */
async function reclassify(
  deps: ProfileDeps,
  tx: DbTx,
  id: string,
  actor: Actor,
  now: Date,
  audit: { actorStaffId: string; entity: string; entityId: string; customerId: string; requestId?: string },
): Promise<SegmentChange | undefined> {
  const c = await tx.customer.findUniqueOrThrow({ where: { id }, include: customerInclude });
  const next = classifyRow(c, now, deps.policy, deps.ring);
  const { change, changes } = await applyClassification(tx, { customerId: id, next, at: now, actorStaffId: actor.staffId, policy: deps.policy });
  if (Object.keys(changes).length === 0) return undefined;
  const coverage = await ensureCoverage(tx, { customerId: id, segment: next.segment, at: now, policy: deps.policy });
  const coverageChanges: FieldChanges =
    coverage.assigned.length || coverage.ended.length
      ? {
          ...(c.relationshipManagerId === coverage.relationshipManagerId ? {} : { relationshipManagerId: { before: c.relationshipManagerId, after: coverage.relationshipManagerId } }),
          assignments: { before: coverage.ended.length ? coverage.ended : null, after: coverage.assigned.length ? coverage.assigned : null },
        }
      : {};
  await writeAudit(tx, { ...audit, action: 'customer.classify', changes: { ...changes, ...coverageChanges } });
  return change;
}
