/**
 * What the process drills of bench/drill.ts (issue 13, "Failure drills for every process") write
 * straight into the scratch database, as the benchmarks do (bench/feedback.ts, bench/lifecycle.ts;
 * those are scripts and cannot be imported): bulk SQL, personal data encrypted with the development
 * key ring as the use cases encrypt it.
 *
 * - §5.2 feedback cases of one department, their registration backdated so that their response
 *   deadline (registeredAt + feedback.individualResponseHours) falls at a chosen instant, with their
 *   REGISTERED and ROUTED events (FeedbackEvent is append-only: nothing is moved afterwards);
 * - APPROVED VIP individuals with a relationship manager each, for customer lifecycles (§3.2, §4);
 * - the bank-local due minute of a review burst and the backfilled last review that makes a
 *   lifecycle's next review fall due in it (src/domain/lifecycle-schedule.ts nextReviewDue).
 */
import type pg from 'pg';
import { contactPreferencesSchema } from '../src/domain/contact';
import { calendarDateIn, zonedDateTimeToInstant } from '../src/domain/business-calendar';
import { addMonthsClamped } from '../src/domain/lifecycle-schedule';
import { aad } from '../src/customers/encrypted-fields';
import { CONTACT_EMAIL_INDEX, feedbackAad, normalizeEmailForIndex } from '../src/feedback/encrypted-fields';
import type { Policy } from '../src/policy/policy';
import { blindIndex, encryptField } from '../src/security/crypto';
import type { KeyRing } from '../src/security/keyring';

const DAY_MS = 86_400_000;

/** Staff members, bulk: `<id>@drill.test`. */
export async function insertStaff(sql: pg.Pool, staff: { id: string; name: string; role: string }[]): Promise<void> {
  await sql.query(
    `INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt")
     SELECT id, name, id || '@drill.test', ARRAY[role]::"StaffRole"[], now() FROM unnest($1::text[], $2::text[], $3::text[]) AS s(id, name, role)`,
    [staff.map((s) => s.id), staff.map((s) => s.name), staff.map((s) => s.role)],
  );
}

/**
 * A department whose head is `head` and whose `handlers` handle feedback (the cases are spread over
 * them), and `executive` on duty for three days (the ladder's step after the head, §5.2) unless
 * an executive is on duty already.
 */
export async function seedFeedbackDepartment(sql: pg.Pool, o: { code: string; head: string; executive: string; handlers: string[] }): Promise<void> {
  await insertStaff(sql, [
    { id: o.head, name: 'Drill Head', role: 'SUPERVISOR' },
    { id: o.executive, name: 'Drill Executive', role: 'SUPERVISOR' },
    ...o.handlers.map((id, k) => ({ id, name: `Drill Handler ${k}`, role: 'CUSTOMER_SERVICE' })),
  ]);
  await sql.query(`INSERT INTO "Department" (code, name, "headStaffId", "updatedAt") VALUES ($1, $2, $3, now())`, [o.code, `Drill department ${o.code}`, o.head]);
  await sql.query(
    `INSERT INTO "DepartmentMember" ("departmentCode", "staffId", "handlesFeedback", "updatedAt")
     SELECT $1, id, handles, now() FROM unnest($2::text[], $3::boolean[]) AS m(id, handles)`,
    [o.code, [o.head, ...o.handlers], [false, ...o.handlers.map(() => true)]],
  );
  // One executive on duty at a time (the table's rule): another drill's keeps the duty if it has it.
  await sql.query(
    `INSERT INTO "ExecutiveOnDutyShift" (id, "staffId", "startsAt", "endsAt", "createdByStaffId")
     SELECT gen_random_uuid(), $1, now() - interval '1 hour', now() + interval '3 days', $1
      WHERE NOT EXISTS (SELECT 1 FROM "ExecutiveOnDutyShift" WHERE "endsAt" > now() - interval '1 hour')`,
    [o.executive],
  );
}

/**
 * Non-customer INDIVIDUAL cases (channel ONLINE, MEDIUM, SIMPLE) of `department`, registered at the
 * given instants, as the registration writes them (contact and summary encrypted, the e-mail
 * blind-indexed) with their REGISTERED and ROUTED events. Their workflows are started by the caller.
 */
export async function writeFeedbackCases(
  sql: pg.Pool,
  ring: KeyRing,
  policy: Policy,
  cases: { caseNo: string; registeredAt: Date }[],
  o: { department: string; ruleId: string; /** Who wrote them, in the contact's name, address and summary (bench/feedback.ts: 'bench'). */ label?: string },
): Promise<void> {
  const label = o.label ?? 'drill';
  const category = policy.feedback.categories.includes('SERVICE_QUALITY') ? 'SERVICE_QUALITY' : policy.feedback.categories[0]!;
  const email = (caseNo: string) => `${caseNo.toLowerCase()}@${label}.test`;
  const enc = (field: 'contactName' | 'contactEmail' | 'summary', caseNo: string, value: string) => encryptField(ring, value, feedbackAad.caseField(field, caseNo));
  await sql.query(
    `INSERT INTO "FeedbackCase" ("caseNo", channel, "contactNameCiphertext", "contactEmailCiphertext", "contactEmailBlindIndex", category, severity, complexity, "customerType",
                                 "summaryCiphertext", "departmentCode", "routingRuleId", "registeredAt", "workflowId", "policyVersion", "updatedAt")
     SELECT c."caseNo", 'ONLINE', c.name, c.email, c.idx, $6, 'MEDIUM', 'SIMPLE', 'INDIVIDUAL', c.summary, $7, $8, c.at, 'feedback-' || c."caseNo", $9, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $10::timestamptz[]) AS c("caseNo", name, email, idx, summary, at)`,
    [
      cases.map((r) => r.caseNo),
      cases.map((r) => enc('contactName', r.caseNo, `${label[0]!.toUpperCase()}${label.slice(1)} Contact ${r.caseNo}`)),
      cases.map((r) => enc('contactEmail', r.caseNo, email(r.caseNo))),
      cases.map((r) => blindIndex(ring, CONTACT_EMAIL_INDEX, normalizeEmailForIndex(email(r.caseNo)))),
      cases.map((r) => enc('summary', r.caseNo, `The branch kept me waiting (${label})`)),
      category,
      o.department,
      o.ruleId,
      policy.version,
      cases.map((r) => r.registeredAt.toISOString()),
    ],
  );
  await sql.query(
    `INSERT INTO "FeedbackEvent" ("caseNo", kind, at, "idempotencyKey", data)
     SELECT c."caseNo", k.kind::"FeedbackEventKind", c.at, c."caseNo" || ':' || k.kind,
            CASE WHEN k.kind = 'REGISTERED' THEN jsonb_build_object('channel', 'ONLINE', 'category', $3::text, 'severity', 'MEDIUM', 'complexity', 'SIMPLE', 'customerType', 'INDIVIDUAL')
                 ELSE jsonb_build_object('departmentCode', $4::text, 'routingRuleId', $5::text, 'policyVersion', $6::text) END
       FROM unnest($1::text[], $2::timestamptz[]) AS c("caseNo", at) CROSS JOIN (VALUES ('REGISTERED'), ('ROUTED')) AS k(kind)`,
    [cases.map((r) => r.caseNo), cases.map((r) => r.registeredAt.toISOString()), category, o.department, o.ruleId, policy.version],
  );
}

/**
 * APPROVED VIP individuals (reviewed every review.individualEveryMonths), customer `ids[i]` with
 * relationship manager `managers[i % managers.length]`; approved 30 days ago; their birthdays half a
 * year away (no greeting falls in a drill).
 */
export async function seedLifecycleCustomers(sql: pg.Pool, ring: KeyRing, policy: Policy, o: { ids: string[]; managers: string[]; createdBy: string; timeZone: string }): Promise<void> {
  const birthMonth = ((Number(calendarDateIn(new Date(), o.timeZone).slice(5, 7)) + 5) % 12) + 1;
  const prefs = JSON.stringify(contactPreferencesSchema.parse({}));
  const created = new Date(Date.now() - 30 * DAY_MS).toISOString();
  await sql.query(
    `INSERT INTO "Customer" (id, type, status, "displayName", email, "contactPreferences", channel, "createdByStaffId", segment, "ageGroup",
                             "serviceTier", "classificationPolicyVersion", "classifiedAt", "relationshipManagerId", "createdAt", "updatedAt")
     SELECT id, 'INDIVIDUAL', 'APPROVED', 'Drill Customer ' || id, lower(replace(id, '_', '-')) || '@drill.test', $3::jsonb, 'IMPORT', $4, 'VIP', 'MIDDLE_AGED',
            'VIP', $5, $6::timestamptz, manager, $6::timestamptz, $6::timestamptz
       FROM unnest($1::text[], $2::text[]) AS c(id, manager)`,
    [o.ids, o.ids.map((_, i) => o.managers[i % o.managers.length]!), prefs, o.createdBy, policy.version, created],
  );
  await sql.query(
    `INSERT INTO "IndividualProfile" ("customerId", "firstName", "lastName", "dateOfBirthCiphertext", "totalAssetsUsd", "updatedAt")
     SELECT id, 'Drill', 'Customer', dob, 250000, now() FROM unnest($1::text[], $2::text[]) AS p(id, dob)`,
    [
      o.ids,
      o.ids.map((id, i) => {
        const dob = `${1950 + (i % 50)}-${String(birthMonth).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
        return encryptField(ring, dob, aad.dateOfBirth(id));
      }),
    ],
  );
}

/** The whole bank-local minute at or after `after`: the instant, its local date and its HH:MM (policy lifecycle.reviewDueLocalTime). */
export function dueMinute(after: Date, tz: string): { at: Date; date: string; localTime: string } {
  const rounded = new Date(Math.ceil(after.getTime() / 60_000) * 60_000);
  const date = calendarDateIn(rounded, tz);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(rounded);
  const localTime = `${parts.find((p) => p.type === 'hour')?.value}:${parts.find((p) => p.type === 'minute')?.value}`;
  return { at: zonedDateTimeToInstant(date, localTime, tz), date, localTime };
}

/**
 * A last review (ISO instant, noon bank time) whose next review falls due on `dueDate`: its local
 * date plus `months` (addMonthsClamped, as nextReviewDue counts) is `dueDate`. The latest such date.
 */
export function backfilledLastReview(dueDate: string, months: number, tz: string): string {
  const dueMs = Date.parse(`${dueDate}T00:00:00Z`);
  for (let back = months * 28 - 7; back <= months * 31 + 7; back += 1) {
    const candidate = new Date(dueMs - back * DAY_MS).toISOString().slice(0, 10);
    if (addMonthsClamped(candidate, months) === dueDate) return zonedDateTimeToInstant(candidate, '12:00', tz).toISOString();
  }
  throw new Error(`no last-review date is ${months} months before ${dueDate} (month-end clamp); run the drill on another day`);
}
