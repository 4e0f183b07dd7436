/**
 * Use case (§2.3 step 1 + 3): first contact. Validates the record, refuses a second customer with
 * the same identity number (409 with the existing one), stores sensitive fields encrypted (§3.1),
 * writes the audit record in the same transaction, and starts the customer's onboarding workflow
 * (`onboarding-<id>`) so the record waits for the audit team. If the workflow cannot start, nothing
 * is written.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { calendarDateIn } from '../domain/business-calendar';
import { canonicalIdentity } from '../domain/identity';
import { contactPreferencesSchema } from '../domain/contact';
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/client';
import type { Policy } from '../policy/policy';
import type { Actor } from '../security/auth';
import { requireRole } from '../security/auth';
import { blindIndex, encryptField } from '../security/crypto';
import type { KeyRing } from '../security/keyring';
import type { Clock } from '../shared/clock';
import { ConflictError, parseInput } from '../shared/errors';
import { writeAudit, diffFields } from '../audit/audit-log';
import { SA } from '../temporal/search-attributes';
import { onboardingWorkflowId, type OnboardingInput } from '../../workflows/onboarding';
import { newCustomerSchema, type NewCustomer } from './customer-dto';
import { customerInclude, toCustomerView, type CustomerRow, type CustomerView } from './customer-view';

export interface CustomerDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  policy: Policy;
  ring: KeyRing;
  clock: Clock;
}

/** AAD binding each ciphertext to its column and row (a value copied to another row will not decrypt). */
export const aad = {
  identityNumber: (customerId: string) => `IdentityDocument.number:${customerId}`,
  dateOfBirth: (customerId: string) => `IndividualProfile.dateOfBirth:${customerId}`,
  creditRecord: (customerId: string) => `IndividualProfile.creditRecord:${customerId}`,
};

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

export async function createCustomer(deps: CustomerDeps, actor: Actor, body: unknown): Promise<CustomerView> {
  requireRole(actor, 'CUSTOMER_SERVICE', 'RELATIONSHIP_MANAGER', 'ADMIN');
  const now = deps.clock.now();
  const input: NewCustomer = parseInput(newCustomerSchema(calendarDateIn(now, deps.policy.onboarding.timeZone), now, deps.policy), body, SENSITIVE_INPUT);
  const identity = canonicalIdentity(input.identity);
  const identityIndex = blindIndex(deps.ring, 'identity', identity.value);

  // No look-up first: the unique blind index refuses a duplicate inside the transaction (one query
  // fewer on the hot path, and no race between check and insert); the catch below answers 409.
  const id = newCustomerId();
  const displayName = input.type === 'INDIVIDUAL' ? `${input.firstName} ${input.lastName}` : input.legalName;
  const workflowId = onboardingWorkflowId(id);
  const numberOnly = identity.value.slice(identity.value.lastIndexOf(':') + 1);
  try {
    const row = await deps.db.$transaction(async (tx) => {
      // Separate creates, each returning its row: the view is built from what was written, with no
      // read-back (INSERT … RETURNING only; a nested create with `include` costs five more SELECTs).
      const customer = await tx.customer.create({
        data: {
          id,
          type: input.type,
          displayName,
          email: input.email ?? null,
          phone: input.phone ?? null,
          contactPreferences: input.contactPreferences ?? contactPreferencesSchema.parse({}),
          channel: input.channel,
          createdByStaffId: actor.staffId,
        },
      });
      const identityRow = await tx.identityDocument.create({
        data: {
          customerId: id,
          kind: identity.kind,
          numberCiphertext: encryptField(deps.ring, numberOnly, aad.identityNumber(id)),
          numberBlindIndex: identityIndex,
          last4: identity.last4,
          keyId: deps.ring.currentKeyId,
          issuingCountry: identity.issuer ?? null,
        },
      });
      const individualProfile =
        input.type === 'INDIVIDUAL'
          ? await tx.individualProfile.create({
              data: {
                customerId: id,
                firstName: input.firstName,
                lastName: input.lastName,
                dateOfBirthCiphertext: encryptField(deps.ring, input.dateOfBirth, aad.dateOfBirth(id)),
                totalAssetsUsd: input.totalAssetsUsd ?? null,
              },
            })
          : null;
      const enterpriseProfile =
        input.type === 'ENTERPRISE'
          ? await tx.enterpriseProfile.create({
              data: {
                customerId: id,
                legalName: input.legalName,
                registrationState: input.registrationState ?? null,
                naicsCode: input.naicsCode,
                employees: input.employees ?? null,
                annualRevenueUsd: input.annualRevenueUsd ?? null,
                totalAssetsUsd: input.totalAssetsUsd ?? null,
              },
            })
          : null;
      const review = await tx.onboardingReview.create({ data: { customerId: id, workflowId, submittedAt: now } });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'customer.create',
        entity: 'Customer',
        entityId: id,
        customerId: id,
        changes: diffFields(
          null,
          { type: customer.type, displayName, email: customer.email, phone: customer.phone, channel: customer.channel, identityNumber: true, dateOfBirth: input.type === 'INDIVIDUAL' },
          ['identityNumber', 'dateOfBirth'],
        ),
      });
      await deps.temporal.workflow.start('onboarding', {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [onboardingInput(id, input.type, actor.staffId, deps.policy)],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        typedSearchAttributes: [
          { key: SA.ProcessKind, value: 'ONBOARDING' },
          { key: SA.CustomerId, value: id },
          { key: SA.CustomerType, value: input.type },
          { key: SA.BusinessStatus, value: 'PENDING_REVIEW' },
          { key: SA.PolicyVersion, value: deps.policy.version },
        ],
      });
      return { ...customer, identity: identityRow, individualProfile, enterpriseProfile, review } satisfies CustomerRow;
    });
    return toCustomerView(row);
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
