/**
 * Repository (§3.1 reads): customers as the API shows them, in one SQL round trip each — the page of
 * GET /customers and the customer of GET /customers/:id (issue 12: Prisma's `include` of four
 * relations cost five queries per read). The same scope as src/customers/access.ts: a
 * RELATIONSHIP_MANAGER-only actor sees the customers they manage or hold an active assignment for;
 * nothing outside the scope is returned (the caller answers 404). Only the columns `toCustomerView`
 * needs, plus the identity number's ciphertext (decrypted by the caller only for an audited reveal).
 */
import { Prisma, type Db, type DbTx } from '../db/client';
import type { Actor } from '../security/auth';
import { isManagerScoped } from './access';
import type { CustomerViewRow } from './customer-view';

/** The filters of GET /customers; `id` for one customer. */
export interface CustomerFilter {
  id?: string;
  type?: 'INDIVIDUAL' | 'ENTERPRISE';
  segment?: string;
  serviceTier?: string;
  status?: string;
  managerId?: string;
}

/** The row key of the list's order (newest first), for keyset paging. */
export interface CustomerKey {
  createdAt: Date;
  id: string;
}

/** SQL conditions on `c` ("Customer") for the actor's scope and the filter; TRUE for none. */
export function customerWhere(actor: Actor, f: CustomerFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (f.id !== undefined) parts.push(Prisma.sql`c.id = ${f.id}`);
  if (isManagerScoped(actor)) {
    // Two index lookups (relationshipManagerId; the assignments' staffId, endedAt), not a scan of every customer.
    parts.push(Prisma.sql`c.id IN (SELECT m.id FROM "Customer" m WHERE m."relationshipManagerId" = ${actor.staffId}
      UNION SELECT ra."customerId" FROM "RelationshipAssignment" ra WHERE ra."staffId" = ${actor.staffId} AND ra."endedAt" IS NULL)`);
  }
  if (f.type !== undefined) parts.push(Prisma.sql`c.type = ${f.type}::"CustomerType"`);
  if (f.segment !== undefined) parts.push(Prisma.sql`c.segment = ${f.segment}`);
  if (f.serviceTier !== undefined) parts.push(Prisma.sql`c."serviceTier" = ${f.serviceTier}`);
  if (f.status !== undefined) parts.push(Prisma.sql`c.status = ${f.status}::"CustomerStatus"`);
  if (f.managerId !== undefined) parts.push(Prisma.sql`c."relationshipManagerId" = ${f.managerId}`);
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

interface FlatRow {
  id: string;
  type: CustomerViewRow['type'];
  status: CustomerViewRow['status'];
  displayName: string;
  email: string | null;
  phone: string | null;
  contactPreferences: Prisma.JsonValue;
  channel: CustomerViewRow['channel'];
  segment: string | null;
  ageGroup: string | null;
  enterpriseSize: string | null;
  industrySector: string | null;
  serviceTier: string | null;
  classificationPolicyVersion: string | null;
  relationshipManagerId: string | null;
  referredByCustomerId: string | null;
  createdByStaffId: string;
  createdAt: Date;
  version: number;
  idKind: NonNullable<CustomerViewRow['identity']>['kind'] | null;
  idLast4: string | null;
  idIssuer: string | null;
  idCiphertext: string | null;
  ipFirstName: string | null;
  ipLastName: string | null;
  ipTotalAssets: string | null;
  ipBureau: string | null;
  ipEmploymentType: string | null;
  ipEmploymentSince: string | null;
  ipIncomeVariability: string | null;
  epLegalName: string | null;
  epRegistrationState: string | null;
  epNaicsCode: string | null;
  epEmployees: number | null;
  epAnnualRevenue: string | null;
  epTotalAssets: string | null;
  epEstablishedOn: string | null;
}

/** The columns `toCustomerView` reads, one row per customer (bench/api.ts runs the same text raw). */
export const CUSTOMER_VIEW_SELECT = Prisma.sql`
  SELECT c.id, c.type, c.status, c."displayName", c.email, c.phone, c."contactPreferences", c.channel,
         c.segment, c."ageGroup", c."enterpriseSize", c."industrySector", c."serviceTier", c."classificationPolicyVersion",
         c."relationshipManagerId", c."referredByCustomerId", c."createdByStaffId", c."createdAt", c.version,
         i.kind AS "idKind", i.last4 AS "idLast4", i."issuingCountry" AS "idIssuer", i."numberCiphertext" AS "idCiphertext",
         ip."firstName" AS "ipFirstName", ip."lastName" AS "ipLastName", ip."totalAssetsUsd"::text AS "ipTotalAssets",
         ip."creditBureauCiphertext" AS "ipBureau", ip."employmentType" AS "ipEmploymentType",
         ip."employmentSince"::text AS "ipEmploymentSince", ip."incomeVariability"::text AS "ipIncomeVariability",
         ep."legalName" AS "epLegalName", ep."registrationState" AS "epRegistrationState", ep."naicsCode" AS "epNaicsCode",
         ep.employees AS "epEmployees", ep."annualRevenueUsd"::text AS "epAnnualRevenue", ep."totalAssetsUsd"::text AS "epTotalAssets",
         ep."establishedOn"::text AS "epEstablishedOn"
    FROM "Customer" c
    LEFT JOIN "IdentityDocument" i ON i."customerId" = c.id
    LEFT JOIN "IndividualProfile" ip ON ip."customerId" = c.id
    LEFT JOIN "EnterpriseProfile" ep ON ep."customerId" = c.id`;

const decimal = (v: string | null) => (v === null ? null : new Prisma.Decimal(v));
/** A @db.Date column read as text (YYYY-MM-DD), as Prisma gives it: midnight UTC. */
const day = (v: string | null) => (v === null ? null : new Date(`${v}T00:00:00.000Z`));

function toRow(r: FlatRow): CustomerViewRow {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    displayName: r.displayName,
    email: r.email,
    phone: r.phone,
    contactPreferences: r.contactPreferences,
    channel: r.channel,
    segment: r.segment,
    ageGroup: r.ageGroup,
    enterpriseSize: r.enterpriseSize,
    industrySector: r.industrySector,
    serviceTier: r.serviceTier,
    classificationPolicyVersion: r.classificationPolicyVersion,
    relationshipManagerId: r.relationshipManagerId,
    referredByCustomerId: r.referredByCustomerId,
    createdByStaffId: r.createdByStaffId,
    createdAt: r.createdAt,
    version: r.version,
    identity: r.idKind === null ? null : { kind: r.idKind, last4: r.idLast4 ?? '', issuingCountry: r.idIssuer, numberCiphertext: r.idCiphertext ?? '' },
    individualProfile:
      r.ipFirstName === null
        ? null
        : {
            firstName: r.ipFirstName,
            lastName: r.ipLastName ?? '',
            totalAssetsUsd: decimal(r.ipTotalAssets),
            creditBureauCiphertext: r.ipBureau,
            employmentType: r.ipEmploymentType,
            employmentSince: day(r.ipEmploymentSince),
            incomeVariability: decimal(r.ipIncomeVariability),
          },
    enterpriseProfile:
      r.epLegalName === null
        ? null
        : {
            legalName: r.epLegalName,
            registrationState: r.epRegistrationState,
            naicsCode: r.epNaicsCode,
            employees: r.epEmployees,
            annualRevenueUsd: decimal(r.epAnnualRevenue),
            totalAssetsUsd: decimal(r.epTotalAssets),
            establishedOn: day(r.epEstablishedOn),
          },
  };
}

/** One customer within the actor's scope, or null (not found, or not theirs). */
export async function findCustomerView(db: Db | DbTx, actor: Actor, id: string): Promise<CustomerViewRow | null> {
  const rows = await db.$queryRaw<FlatRow[]>`${CUSTOMER_VIEW_SELECT} WHERE ${customerWhere(actor, { id })}`;
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Up to `limit` customers in the list's order (createdAt, id descending) after `after` (keyset), or
 * from `offset` (page paging). Served by the index on ("createdAt" DESC, id DESC).
 */
export async function pageCustomerViews(
  db: Db | DbTx,
  actor: Actor,
  filter: CustomerFilter,
  o: { limit: number; after?: CustomerKey; offset?: number },
): Promise<CustomerViewRow[]> {
  const keyset = o.after ? Prisma.sql`AND (c."createdAt", c.id) < (${o.after.createdAt}::timestamptz, ${o.after.id})` : Prisma.empty;
  const rows = await db.$queryRaw<FlatRow[]>`
    ${CUSTOMER_VIEW_SELECT}
    WHERE ${customerWhere(actor, filter)} ${keyset}
    ORDER BY c."createdAt" DESC, c.id DESC
    LIMIT ${o.limit} OFFSET ${o.offset ?? 0}`;
  return rows.map(toRow);
}

/** CustomerCountDelta rows of one key beyond which a count folds them into one. */
export const COUNT_FOLD_THRESHOLD = 64;

/**
 * How many customers match (the list's `total`), exactly. Filters on type, segment, serviceTier and
 * status alone (every role but a manager-scoped RELATIONSHIP_MANAGER, no managerId): the sum of the
 * trigger-kept CustomerCountDelta rows (migration customer_list_reads) — a few rows, not every
 * customer. Otherwise (a manager's few hundred customers) a count of the matching rows.
 */
export async function countCustomers(db: Db, actor: Actor, filter: CustomerFilter): Promise<number> {
  if (isManagerScoped(actor) || filter.managerId !== undefined || filter.id !== undefined) {
    const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Customer" c WHERE ${customerWhere(actor, filter)}`;
    return row?.n ?? 0;
  }
  const parts: Prisma.Sql[] = [];
  if (filter.type !== undefined) parts.push(Prisma.sql`d.type = ${filter.type}`);
  if (filter.segment !== undefined) parts.push(Prisma.sql`d.segment = ${filter.segment}`);
  if (filter.serviceTier !== undefined) parts.push(Prisma.sql`d."serviceTier" = ${filter.serviceTier}`);
  if (filter.status !== undefined) parts.push(Prisma.sql`d.status = ${filter.status}`);
  const where = parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
  const [row] = await db.$queryRaw<{ n: number; rows: number; keys: number }[]>`
    SELECT coalesce(sum(d.delta), 0)::int AS n, count(*)::int AS rows,
           count(DISTINCT (d.type, d.segment, d."serviceTier", d.status))::int AS keys
      FROM "CustomerCountDelta" d WHERE ${where}`;
  if (row && row.rows > row.keys * COUNT_FOLD_THRESHOLD) await foldCustomerCounts(db);
  return row?.n ?? 0;
}

/**
 * Folds CustomerCountDelta into one row per key, in one statement (the rows it deletes are the rows it
 * sums; rows added meanwhile stay), so every snapshot sums to the same counts before and after. One
 * folder at a time (a transaction-level advisory lock, tried, not awaited).
 */
export async function foldCustomerCounts(db: Db): Promise<void> {
  await db.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ got: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext('CustomerCountDelta')) AS got`;
    if (!lock?.got) return;
    await tx.$executeRaw`
      WITH gone AS (DELETE FROM "CustomerCountDelta" RETURNING type, segment, "serviceTier", status, delta)
      INSERT INTO "CustomerCountDelta" (type, segment, "serviceTier", status, delta)
      SELECT type, segment, "serviceTier", status, sum(delta) FROM gone GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0`;
  });
}
