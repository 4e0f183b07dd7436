/**
 * Use case (§2.3 step 1 + 3): first contact. Validates the record, refuses a second customer with
 * the same identity number (409 with the existing one), stores sensitive fields encrypted (§3.1),
 * writes the audit record in the same statement, and starts the customer's onboarding workflow
 * (`onboarding-<id>`) so the record waits for the audit team. The start is a transactional outbox
 * record written by the same statement (src/outbox/workflow-starts.ts): the workflow is started after
 * the commit, and if Temporal is down then, the reconciler starts it once Temporal is back — never a
 * workflow without its customer, never a customer left without its onboarding (issue 7).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { calendarDateIn } from '../domain/business-calendar';
import { canonicalIdentity } from '../domain/identity';
import { contactPreferencesSchema } from '../domain/contact';
import type { Db } from '../db/client';
import { isUniqueViolation, Prisma } from '../db/client';
import { startInsertSql, starterFor, type StartRequest, type WorkflowStarter } from '../outbox/workflow-starts';
import type { Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import { requireRole } from '../security/auth';
import { blindIndex, encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput, ValidationError } from '../shared/errors';
import { diffFields } from '../audit/audit-log';
import type { AuditAction } from '../audit/actions';
import { SA } from '../temporal/search-attributes';
import { onboardingWorkflowId, type OnboardingInput } from '../../workflows/onboarding';
import { newCustomerSchemaFor, type NewCustomer } from './customer-dto';
import { aad } from './encrypted-fields';
import { customerInclude, toCustomerView, type CustomerRow, type CustomerView } from './customer-view';

export interface CustomerDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
  /** Starts the onboarding workflow after the commit (src/outbox); default: one per Temporal client. */
  starter?: WorkflowStarter;
}


/** Input fields whose rejected values are not echoed in errors (§3.1). */
export const SENSITIVE_INPUT = ['identity', 'dateOfBirth'] as const;

export const newCustomerId = () => `cus_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

export function onboardingInput(customerId: string, type: OnboardingInput['customerType'], enteredBy: string, policy: Policy): OnboardingInput {
  return {
    customerId,
    customerType: type,
    enteredByStaffId: enteredBy,
    policyVersion: policy.version,
    timeZone: policy.onboarding.timeZone,
    reviewReminderAfterBusinessDays: policy.onboarding.reviewReminderAfterBusinessDays,
    infoReminderAfterBusinessDays: policy.onboarding.infoReminderAfterBusinessDays,
    infoLimitBusinessDays: policy.onboarding.infoLimitBusinessDays,
  };
}

export async function createCustomer(deps: CustomerDeps, actor: Actor, body: unknown, opts: { waitForStart?: boolean } = {}): Promise<CustomerView> {
  requireRole(actor, 'CUSTOMER_SERVICE', 'RELATIONSHIP_MANAGER', 'ADMIN');
  const now = deps.clock.now();
  const input: NewCustomer = parseInput(newCustomerSchemaFor(calendarDateIn(now, deps.policy.onboarding.timeZone), deps.policy), body, SENSITIVE_INPUT);
  const identity = canonicalIdentity(input.identity);
  const referredBy = input.referredByCustomerId ?? null;
  if (referredBy !== null && (await deps.db.customer.count({ where: { id: referredBy } })) === 0) {
    // §7.2 a referral names a customer of the bank; checked before anything is written (the foreign key holds it too).
    throw new ValidationError([{ field: 'referredByCustomerId', value: referredBy, reason: 'no customer with this id: a referral names an existing customer' }]);
  }
  const identityIndex = blindIndex(deps.ring, 'identity', identity.value);

  // No look-up first: the unique blind index refuses a duplicate inside the transaction (one query
  // fewer on the hot path, and no race between check and insert); the catch below answers 409.
  const id = newCustomerId();
  const displayName = input.type === 'INDIVIDUAL' ? `${input.firstName} ${input.lastName}` : input.legalName;
  const workflowId = onboardingWorkflowId(id);
  const numberOnly = identity.value.slice(identity.value.lastIndexOf(':') + 1);
  const prefs = input.contactPreferences ?? contactPreferencesSchema.parse({});
  const customer = {
    id,
    type: input.type,
    status: 'PENDING_REVIEW' as const,
    displayName,
    email: input.email ?? null,
    phone: input.phone ?? null,
    contactPreferences: prefs,
    channel: input.channel,
    createdByStaffId: actor.staffId,
    referredByCustomerId: referredBy,
    createdAt: now,
    updatedAt: now,
  };
  const identityRow = {
    customerId: id,
    kind: identity.kind,
    numberCiphertext: encryptField(deps.ring, numberOnly, aad.identityNumber(id)),
    numberBlindIndex: identityIndex,
    last4: identity.last4,
    keyId: deps.ring.currentKeyId,
    issuingCountry: identity.issuer ?? null,
  };
  const dobCiphertext = input.type === 'INDIVIDUAL' ? encryptField(deps.ring, input.dateOfBirth, aad.dateOfBirth(id)) : undefined;
  const changes = diffFields(
    null,
    { type: customer.type, displayName, email: customer.email, phone: customer.phone, channel: customer.channel, identityNumber: true, dateOfBirth: input.type === 'INDIVIDUAL', referredByCustomerId: referredBy },
    ['identityNumber', 'dateOfBirth'],
  );
  const start: StartRequest = {
    workflowType: 'onboarding',
    workflowId,
    taskQueue: deps.taskQueue,
    args: [onboardingInput(id, input.type, actor.staffId, deps.policy)],
    searchAttributes: [
      { key: SA.ProcessKind, value: 'ONBOARDING' },
      { key: SA.CustomerId, value: id },
      { key: SA.CustomerType, value: input.type },
      { key: SA.BusinessStatus, value: 'PENDING_REVIEW' },
      { key: SA.PolicyVersion, value: deps.policy.version },
    ],
  };
  try {
    // One statement writes the customer, identity document, profile, review, audit record and the
    // outbox record of the workflow start (data-modifying CTEs: one implicit transaction; foreign keys
    // are checked at the end of the statement). This is the onboarding hot path
    // (`npm run bench:onboarding`): one round trip, and no Temporal call inside a transaction.
    const profileCte =
      input.type === 'INDIVIDUAL'
        ? Prisma.sql`INSERT INTO "IndividualProfile" ("customerId", "firstName", "lastName", "dateOfBirthCiphertext", "totalAssetsUsd", "updatedAt")
            VALUES (${id}, ${input.firstName}, ${input.lastName}, ${dobCiphertext},
                    ${input.totalAssetsUsd ?? null}::numeric, ${now}::timestamptz)
            RETURNING NULL::text AS "annualRevenueUsd", "totalAssetsUsd"::text AS "totalAssetsUsd"`
        : Prisma.sql`INSERT INTO "EnterpriseProfile" ("customerId", "legalName", "registrationState", "naicsCode", "employees", "annualRevenueUsd", "totalAssetsUsd", "updatedAt")
            VALUES (${id}, ${input.legalName}, ${input.registrationState ?? null}, ${input.naicsCode}, ${input.employees ?? null}::int,
                    ${input.annualRevenueUsd ?? null}::numeric, ${input.totalAssetsUsd ?? null}::numeric, ${now}::timestamptz)
            RETURNING "annualRevenueUsd"::text AS "annualRevenueUsd", "totalAssetsUsd"::text AS "totalAssetsUsd"`;
    //
    // Lock order: the referrer's row before the audit record. The audit chain's trigger takes a
    // transaction-level advisory lock (held to the commit); the referral's foreign key takes a KEY SHARE
    // lock on the referrer at the end of the statement. A §6 re-assessment of the referrer holds its
    // row FOR UPDATE and then writes audit records (src/risk/assess-customers.ts): taken the other way
    // round, each waited for the other — "deadlock detected", a 500 (seen in an integration run). So
    // `referrer` locks the row first, and the audit INSERT reads it (count(*): one row, after every
    // referrer row is locked), which orders the two.
    const [stored] = await deps.db.$queryRaw<{ annualRevenueUsd: string | null; totalAssetsUsd: string | null }[]>`
      WITH referrer AS (
        SELECT "id" FROM "Customer" WHERE "id" = ${referredBy} FOR KEY SHARE
      ), customer AS (
        INSERT INTO "Customer" ("id", "type", "status", "displayName", "email", "phone", "contactPreferences", "channel", "createdByStaffId", "referredByCustomerId", "version", "createdAt", "updatedAt")
        VALUES (${id}, ${customer.type}::"CustomerType", ${customer.status}::"CustomerStatus", ${displayName}, ${customer.email}, ${customer.phone}, ${JSON.stringify(prefs)}::jsonb,
                ${customer.channel}::"OnboardingChannel", ${actor.staffId}, ${referredBy}, 1, ${now}::timestamptz, ${now}::timestamptz)
      ), identity AS (
        INSERT INTO "IdentityDocument" ("customerId", "kind", "numberCiphertext", "numberBlindIndex", "last4", "keyId", "issuingCountry", "createdAt", "updatedAt")
        VALUES (${id}, ${identityRow.kind}::"IdentityKind", ${identityRow.numberCiphertext}, ${identityIndex}, ${identityRow.last4}, ${identityRow.keyId},
                ${identityRow.issuingCountry}, ${now}::timestamptz, ${now}::timestamptz)
      ), review AS (
        INSERT INTO "OnboardingReview" ("customerId", "workflowId", "submittedAt") VALUES (${id}, ${workflowId}, ${now}::timestamptz)
      ), audit AS (
        INSERT INTO "AuditLog" ("actorStaffId", "action", "entity", "entityId", "customerId", "changes")
        SELECT ${actor.staffId}, ${'customer.create' satisfies AuditAction}, 'Customer', ${id}, ${id}, ${JSON.stringify(changes)}::jsonb
        FROM (SELECT count(*) FROM referrer) AS referrer_locked
      ), outbox AS (${startInsertSql(start, now)}
      ), profile AS (${profileCte})
      SELECT "annualRevenueUsd", "totalAssetsUsd" FROM profile`;
    // After the commit. An import (opts.waitForStart false) leaves the start to run on; a request
    // waits a bounded time so that its answer can say whether the review process runs yet.
    const starter = starterFor(deps);
    if (opts.waitForStart === false) void starter.start(start);
    else await starter.startWithin(start);
    const money = (v: string | null | undefined) => (v === null || v === undefined ? null : new Prisma.Decimal(v));
    const unclassified = { segment: null, ageGroup: null, enterpriseSize: null, industrySector: null, serviceTier: null, classificationPolicyVersion: null, classifiedAt: null };
    const view: CustomerRow = {
      ...customer,
      ...unclassified,
      relationshipManagerId: null,
      riskRating: null, riskAssessmentId: null, riskAssessedAt: null, riskPolicyVersion: null, simplifiedProcedure: false, rateDiscountEligible: false,
      version: 1,
      identity: { ...identityRow, createdAt: now, updatedAt: now },
      individualProfile:
        input.type === 'INDIVIDUAL'
          ? { customerId: id, firstName: input.firstName, lastName: input.lastName, dateOfBirthCiphertext: dobCiphertext ?? '', annualIncomeUsd: null, incomeSource: null,
              totalAssetsUsd: money(stored?.totalAssetsUsd), debtsUsd: null, creditRecordCiphertext: null, creditBureauCiphertext: null, employmentType: null, employmentSince: null, incomeVariability: null, savingsGoal: null, spendingPattern: null, updatedAt: now }
          : null,
      enterpriseProfile:
        input.type === 'ENTERPRISE'
          ? { customerId: id, legalName: input.legalName, registrationState: input.registrationState ?? null, naicsCode: input.naicsCode, employees: input.employees ?? null,
              annualRevenueUsd: money(stored?.annualRevenueUsd), totalAssetsUsd: money(stored?.totalAssetsUsd), operations: null, purposeOfFunds: null, establishedOn: null, updatedAt: now }
          : null,
      review: { customerId: id, workflowId, submittedAt: now, infoRequestedAt: null, infoRequestCount: 0, decision: null, decidedAt: null, decidedByStaffId: null, reason: null },
    };
    return toCustomerView(view);
  } catch (err) {
    if (isUniqueViolation(err)) {
      const existing = await deps.db.identityDocument.findUnique({ where: { numberBlindIndex: identityIndex } });
      if (existing) await conflict(deps, existing.customerId);
    }
    throw err;
  }
}

async function conflict(deps: CustomerDeps, customerId: string): Promise<never> {
  const row = await deps.db.customer.findUniqueOrThrow({ where: { id: customerId }, include: customerInclude });
  throw new ConflictError(`a customer with this identity number already exists: ${customerId}`, toCustomerView(row));
}
