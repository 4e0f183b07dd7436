/**
 * §6 a synthetic portfolio for the portfolio-run test (test/integration/risk-portfolio.test.ts) and
 * bench:risk (bench/risk.ts), written in bulk with SQL: APPROVED individuals with the §6.1 facts
 * (encrypted credit bureau figures, employment, income variability, income and debts) and
 * enterprises (NAICS code, established on, two periods of financial statements), a realistic mix of
 * good and bad facts drawn from a PRNG seeded by the customer's index (the same portfolio every time).
 *
 * Previous ratings: each customer is scored in JS on `policy` as of `asOf` (the scorecards the run
 * uses), and its rating in force is seeded as that rating under that policy version — except every
 * `changeEvery` customers (seededOff), whose seeded rating is one notch off (alternately riskier and
 * safer). A run on the same policy then changes exactly those (1/changeEvery of the portfolio: 5 % at 20).
 */
import pg from 'pg';
import { aad } from '../../src/customers/encrypted-fields';
import { enterpriseInputsFrom, individualInputsFrom, type CreditBureauFacts, type StatementFacts } from '../../src/domain/risk-facts';
import { scoreEnterprise, scoreIndividual } from '../../src/domain/risk-scorecard';
import type { Policy } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import type { KeyRing } from '../../src/security/keyring';

export interface SeededCustomer {
  id: string;
  type: 'INDIVIDUAL' | 'ENTERPRISE';
  segment: string;
  /** The seeded rating in force (null: never assessed). */
  seededRating: string | null;
  individual?: { creditBureau: CreditBureauFacts | null; employmentType: string | null; employmentSince: string | null; incomeVariability: number | null; annualIncomeUsd: number | null; debtsUsd: number | null };
  enterprise?: { naicsCode: string | null; establishedOn: string | null; latest: StatementFacts | null; previous: StatementFacts | null };
}

const EMPLOYMENT = ['PERMANENT', 'PERMANENT', 'PERMANENT', 'FIXED_TERM', 'SELF_EMPLOYED', 'RETIRED', 'STUDENT', 'UNEMPLOYED'];
const NAICS = ['111110', '211120', '221110', '236115', '311111', '423110', '441110', '481111', '511110', '522110', '531110', '541110', '551111', '561110', '611110', '621111', '711110', '722511', '811111'];
const IND_SEGMENTS = ['REGULAR', 'REGULAR', 'REGULAR', 'VIP', 'HIGH_NET_WORTH'];
const ENT_SEGMENTS = ['SMALL', 'SMALL', 'MEDIUM', 'LARGE'];
const IND_RATINGS = ['LOW', 'MEDIUM', 'HIGH'];
const ENT_RATINGS = ['A', 'B', 'C', 'D'];

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const yearsAgo = (asOf: Date, years: number) => day(new Date(asOf.getTime() - years * 365.25 * 86_400_000));
const money = (n: number) => Math.round(n * 100) / 100;

/** One synthetic customer's facts (index i, every `enterpriseEvery`-th an enterprise). */
export function syntheticRiskCustomer(prefix: string, i: number, asOf: Date, enterpriseEvery = 5): Omit<SeededCustomer, 'seededRating'> {
  const r = prng(i * 7919 + 17);
  const id = `${prefix}${String(i).padStart(8, '0')}`;
  if (i % enterpriseEvery === enterpriseEvery - 1) {
    const revenue = 200_000 + r() * 20_000_000;
    const growth = -0.2 + r() * 0.4;
    const assets = revenue * (0.5 + r());
    const statement = (periodEnd: string, rev: number): StatementFacts => ({
      periodEnd,
      revenueUsd: money(rev),
      netIncomeUsd: money(rev * (-0.05 + r() * 0.2)),
      ebitUsd: money(rev * (0.01 + r() * 0.2)),
      interestExpenseUsd: money(rev * (0.005 + r() * 0.05)),
      totalAssetsUsd: money(assets),
      totalLiabilitiesUsd: money(assets * (0.2 + r() * 0.75)),
      currentAssetsUsd: money(assets * (0.2 + r() * 0.3)),
      currentLiabilitiesUsd: money(assets * (0.1 + r() * 0.3)),
      largestCustomerShare: r() < 0.1 ? null : Math.round(r() * 0.7 * 10_000) / 10_000,
    });
    const year = asOf.getUTCFullYear();
    return {
      id,
      type: 'ENTERPRISE',
      segment: ENT_SEGMENTS[Math.floor(r() * ENT_SEGMENTS.length)]!,
      enterprise: {
        naicsCode: NAICS[Math.floor(r() * NAICS.length)]!,
        establishedOn: yearsAgo(asOf, r() * 40),
        latest: statement(`${year - 1}-12-31`, revenue),
        previous: r() < 0.1 ? null : statement(`${year - 2}-12-31`, revenue / (1 + growth)),
      },
    };
  }
  const income = 20_000 + r() * 280_000;
  return {
    id,
    type: 'INDIVIDUAL',
    segment: IND_SEGMENTS[Math.floor(r() * IND_SEGMENTS.length)]!,
    individual: {
      creditBureau: r() < 0.03 ? null : { score: Math.round(500 + r() * 330), delinquencies: r() < 0.7 ? 0 : Math.floor(r() * 5), defaults: r() < 0.97 ? 0 : 1, reportedOn: day(asOf) },
      employmentType: EMPLOYMENT[Math.floor(r() * EMPLOYMENT.length)]!,
      employmentSince: yearsAgo(asOf, r() * 20),
      incomeVariability: Math.round(r() * 0.6 * 10_000) / 10_000,
      annualIncomeUsd: money(income),
      debtsUsd: money(income * r() * 3.5),
    },
  };
}

/** The rating `policy` gives this customer's facts as of `asOf`. */
export function expectedRating(c: Omit<SeededCustomer, 'seededRating'>, policy: Policy, asOf: Date): string {
  return c.type === 'INDIVIDUAL' ? scoreIndividual(individualInputsFrom(c.individual!, asOf), policy).rating : scoreEnterprise(enterpriseInputsFrom(c.enterprise!, asOf), policy).rating;
}

/**
 * Whether customer i's seeded rating is one notch off: one customer in each block of `changeEvery`, at
 * a position that moves from block to block (so individuals and enterprises alike, whatever
 * `enterpriseEvery` is).
 */
export const seededOff = (i: number, changeEvery: number) => changeEvery > 0 && i % changeEvery === Math.floor(i / changeEvery) % changeEvery;

function oneNotchOff(rating: string, type: 'INDIVIDUAL' | 'ENTERPRISE', i: number): string {
  const scale = type === 'INDIVIDUAL' ? IND_RATINGS : ENT_RATINGS;
  const at = scale.indexOf(rating);
  const riskier = Math.floor(i / 20) % 2 === 0;
  const to = riskier ? (at + 1 < scale.length ? at + 1 : at - 1) : at > 0 ? at - 1 : at + 1;
  return scale[to]!;
}

export interface SeedOptions {
  url: string;
  ring: KeyRing;
  policy: Policy;
  count: number;
  prefix: string;
  asOf: Date;
  /** Every n-th customer's seeded rating is one notch off (0: none seeded — every rating NEW). Default 20 (5 %). */
  changeEvery?: number;
  enterpriseEvery?: number;
  /** Rows per INSERT. */
  chunk?: number;
}

/** Writes the portfolio; returns the customers (facts and seeded ratings) for the caller's expectations. */
export async function seedRiskPortfolio(o: SeedOptions): Promise<SeededCustomer[]> {
  const client = new pg.Client({ connectionString: o.url });
  await client.connect();
  const staffId = `${o.prefix}seed`;
  const changeEvery = o.changeEvery ?? 20;
  const all: SeededCustomer[] = [];
  try {
    await client.query(`INSERT INTO "StaffMember" (id, name, email, roles, "updatedAt") VALUES ($1, 'Risk Seed', $2, '{ADMIN}', now()) ON CONFLICT DO NOTHING`, [staffId, `${staffId}@bank.test`]);
    const chunk = o.chunk ?? 5000;
    for (let start = 0; start < o.count; start += chunk) {
      const batch: SeededCustomer[] = [];
      for (let i = start; i < Math.min(o.count, start + chunk); i++) {
        const c = syntheticRiskCustomer(o.prefix, i, o.asOf, o.enterpriseEvery);
        const rating = expectedRating(c, o.policy, o.asOf);
        batch.push({ ...c, seededRating: changeEvery === 0 ? null : seededOff(i, changeEvery) ? oneNotchOff(rating, c.type, i) : rating });
      }
      all.push(...batch);
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO "Customer" (id, type, status, "displayName", "contactPreferences", channel, "createdByStaffId", segment, "riskRating", "riskPolicyVersion", "riskAssessedAt", "updatedAt")
         SELECT u.id, u.type::"CustomerType", 'APPROVED', 'Risk Bench ' || u.id, '{"email":false,"sms":false,"phone":false,"marketingOptOut":true}'::jsonb, 'IMPORT', $1, u.segment, u.rating,
                CASE WHEN u.rating IS NULL THEN NULL ELSE $2 END, CASE WHEN u.rating IS NULL THEN NULL ELSE now() END, now()
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, type, segment, rating)`,
        [staffId, o.policy.version, batch.map((c) => c.id), batch.map((c) => c.type), batch.map((c) => c.segment), batch.map((c) => c.seededRating)],
      );
      const ind = batch.filter((c) => c.type === 'INDIVIDUAL');
      await client.query(
        `INSERT INTO "IndividualProfile" ("customerId", "firstName", "lastName", "dateOfBirthCiphertext", "creditBureauCiphertext", "employmentType", "employmentSince", "incomeVariability", "annualIncomeUsd", "debtsUsd", "updatedAt")
         SELECT u.id, 'Risk', 'Bench', 'not-encrypted:bench', u.bureau, u.emp, u.since::date, u.var::numeric, u.income::numeric, u.debts::numeric, now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, bureau, emp, since, var, income, debts)`,
        [
          ind.map((c) => c.id),
          ind.map((c) => (c.individual!.creditBureau ? encryptField(o.ring, JSON.stringify(c.individual!.creditBureau), aad.creditBureau(c.id)) : null)),
          ind.map((c) => c.individual!.employmentType),
          ind.map((c) => c.individual!.employmentSince),
          ind.map((c) => String(c.individual!.incomeVariability)),
          ind.map((c) => String(c.individual!.annualIncomeUsd)),
          ind.map((c) => String(c.individual!.debtsUsd)),
        ],
      );
      const ent = batch.filter((c) => c.type === 'ENTERPRISE');
      await client.query(
        `INSERT INTO "EnterpriseProfile" ("customerId", "legalName", "naicsCode", "establishedOn", "updatedAt")
         SELECT u.id, 'Risk Bench Ltd ' || u.id, u.naics, u.est::date, now() FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, naics, est)`,
        [ent.map((c) => c.id), ent.map((c) => c.enterprise!.naicsCode), ent.map((c) => c.enterprise!.establishedOn)],
      );
      const statements = ent.flatMap((c) => [c.enterprise!.latest, c.enterprise!.previous].filter((s): s is StatementFacts => s !== null).map((s) => ({ id: c.id, s })));
      const col = (f: (s: StatementFacts) => number | null) => statements.map(({ s }) => (f(s) === null ? null : String(f(s))));
      await client.query(
        `INSERT INTO "FinancialStatement" (id, "customerId", "periodEnd", "revenueUsd", "netIncomeUsd", "ebitUsd", "interestExpenseUsd", "totalAssetsUsd", "totalLiabilitiesUsd", "currentAssetsUsd", "currentLiabilitiesUsd", "largestCustomerShare", "recordedByStaffId")
         SELECT gen_random_uuid(), u.id, u.pe::date, u.rev::numeric, u.ni::numeric, u.ebit::numeric, u.ie::numeric, u.ta::numeric, u.tl::numeric, u.ca::numeric, u.cl::numeric, u.lcs::numeric, $1
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) AS u(id, pe, rev, ni, ebit, ie, ta, tl, ca, cl, lcs)`,
        [
          staffId,
          statements.map((x) => x.id),
          statements.map((x) => x.s.periodEnd),
          col((s) => s.revenueUsd),
          col((s) => s.netIncomeUsd),
          col((s) => s.ebitUsd),
          col((s) => s.interestExpenseUsd),
          col((s) => s.totalAssetsUsd),
          col((s) => s.totalLiabilitiesUsd),
          col((s) => s.currentAssetsUsd),
          col((s) => s.currentLiabilitiesUsd),
          col((s) => s.largestCustomerShare),
        ],
      );
      await client.query('COMMIT');
    }
    await client.query('ANALYZE "Customer"; ANALYZE "IndividualProfile"; ANALYZE "EnterpriseProfile"; ANALYZE "FinancialStatement"');
  } finally {
    await client.end();
  }
  return all;
}

/** The summary a run on `policy` should report: "<type>:<segment>" → UP/DOWN/SAME/NEW against the seeded ratings. */
export function expectedSummary(customers: readonly SeededCustomer[], policy: Policy, asOf: Date): Record<string, { UP: number; DOWN: number; SAME: number; NEW: number }> {
  const out: Record<string, { UP: number; DOWN: number; SAME: number; NEW: number }> = {};
  for (const c of customers) {
    const scale = c.type === 'INDIVIDUAL' ? IND_RATINGS : ENT_RATINGS;
    const now = expectedRating(c, policy, asOf);
    const d = c.seededRating === null ? 'NEW' : scale.indexOf(now) > scale.indexOf(c.seededRating) ? 'UP' : scale.indexOf(now) < scale.indexOf(c.seededRating) ? 'DOWN' : 'SAME';
    (out[`${c.type}:${c.segment}`] ??= { UP: 0, DOWN: 0, SAME: 0, NEW: 0 })[d] += 1;
  }
  return out;
}
