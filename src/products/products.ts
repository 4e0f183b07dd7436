/**
 * §6.2 a customer's products — what the use cases of src/products/ share: who may act, the product
 * as callers see it, and the customer and product reads (explicit selects, in the caller's
 * transaction). The catalogue (codes, names, risk classes) is policy data (`policy.products`); the
 * policy in force for §6 is `riskPolicyInForce` (src/risk/policy-in-force.ts), never the deployed one
 * directly.
 */
import type { Db, DbTx } from '../db/client';
import type { Prisma, ProductStatus, StaffRole } from '../db/generated/client';
import type { Policy } from '../policy/policy';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { notFound } from '../customers/access';
import type { Clock } from '../shared/clock';

/** Roles that open and close products for any customer; a RELATIONSHIP_MANAGER for the customers they look after (§3.1). */
export const PRODUCT_ANY_CUSTOMER_ROLES = ['SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];
export const PRODUCT_WRITE_ROLES = [...PRODUCT_ANY_CUSTOMER_ROLES, 'RELATIONSHIP_MANAGER'] as const satisfies readonly StaffRole[];

export const PRODUCT_STATUSES = ['PENDING_APPROVAL', 'OPEN', 'CLOSED'] as const satisfies readonly ProductStatus[];

export interface ProductDeps {
  db: Db;
  /** The deployed policy; §6 rules run on `riskPolicyInForce(db, policy)`. */
  policy: Policy;
  clock: Clock;
}

export interface ProductView {
  id: string;
  customerId: string;
  productCode: string;
  /** The catalogue name under the policy in force (null: no longer in the catalogue). */
  productName: string | null;
  riskClass: number;
  status: ProductStatus;
  /** The customer's rating when it was requested (null: not yet rated). */
  ratingAtOpening: string | null;
  policyVersion: string;
  simplifiedProcedure: boolean;
  rateDiscountEligible: boolean;
  guaranteeReference: string | null;
  approvalBy: StaffRole[];
  amountUsd: string | null;
  requestedByStaffId: string;
  requestedAt: string;
  approvedByStaffId: string | null;
  approvedAt: string | null;
  openedAt: string | null;
  closedAt: string | null;
}

export const productSelect = {
  id: true,
  customerId: true,
  productCode: true,
  riskClass: true,
  status: true,
  ratingAtOpening: true,
  policyVersion: true,
  simplifiedProcedure: true,
  rateDiscountEligible: true,
  guaranteeReference: true,
  approvalBy: true,
  amountUsd: true,
  requestedByStaffId: true,
  requestedAt: true,
  approvedByStaffId: true,
  approvedAt: true,
  openedAt: true,
  closedAt: true,
} as const satisfies Prisma.CustomerProductSelect;
export type ProductRow = Prisma.CustomerProductGetPayload<{ select: typeof productSelect }>;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toProductView(row: ProductRow, policy: Policy): ProductView {
  return {
    id: row.id,
    customerId: row.customerId,
    productCode: row.productCode,
    productName: policy.products.find((p) => p.code === row.productCode)?.name ?? null,
    riskClass: row.riskClass,
    status: row.status,
    ratingAtOpening: row.ratingAtOpening,
    policyVersion: row.policyVersion,
    simplifiedProcedure: row.simplifiedProcedure,
    rateDiscountEligible: row.rateDiscountEligible,
    guaranteeReference: row.guaranteeReference,
    approvalBy: [...row.approvalBy],
    amountUsd: row.amountUsd?.toString() ?? null,
    requestedByStaffId: row.requestedByStaffId,
    requestedAt: row.requestedAt.toISOString(),
    approvedByStaffId: row.approvedByStaffId,
    approvedAt: iso(row.approvedAt),
    openedAt: iso(row.openedAt),
    closedAt: iso(row.closedAt),
  };
}

export interface ProductCustomer {
  id: string;
  type: 'INDIVIDUAL' | 'ENTERPRISE';
  status: string;
  riskRating: string | null;
}

/**
 * The customer within `scope` (404 outside it, as every customer route), its row share-locked until
 * the transaction ends: its status and rating cannot change under a decision taken on them.
 */
export async function lockedCustomer(tx: DbTx, customerId: string, scope: Prisma.CustomerWhereInput): Promise<ProductCustomer> {
  await tx.$queryRaw`SELECT 1 FROM "Customer" WHERE "id" = ${customerId} FOR SHARE`;
  const row = await tx.customer.findFirst({ where: { AND: [{ id: customerId }, scope] }, select: { id: true, type: true, status: true, riskRating: true } });
  if (!row) throw notFound(customerId);
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A product id as the path gives it: a UUID (400 naming `productId` otherwise). */
export function productIdOf(productId: string): string {
  if (!UUID.test(productId)) throw new ValidationError([{ field: 'productId', value: productId, reason: 'a product id (a UUID, as POST /customers/:id/products returned it)' }]);
  return productId.toLowerCase();
}

/** The customer's product, share-locked until the transaction ends; 404 when the customer has none with this id. */
export async function lockedProduct(tx: DbTx, customerId: string, productId: string): Promise<ProductRow> {
  await tx.$queryRaw`SELECT 1 FROM "CustomerProduct" WHERE "id" = ${productId}::uuid AND "customerId" = ${customerId} FOR UPDATE`;
  const row = await tx.customerProduct.findFirst({ where: { id: productId, customerId }, select: productSelect });
  if (!row) throw new NotFoundError(`customer ${customerId} has no product ${productId}`);
  return row;
}

/** §6.2 products are opened and approved for APPROVED customers only: 409 with the reason otherwise. */
export function requireApprovedCustomer(customer: ProductCustomer, doing: string): void {
  if (customer.status !== 'APPROVED') {
    throw new ConflictError(`customer ${customer.id} is ${customer.status}: only an APPROVED customer can ${doing} (§6.2)`);
  }
}
