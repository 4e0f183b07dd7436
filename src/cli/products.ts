/**
 * `ccm products …`: a customer's products on the terms of its risk rating (§6.2), registered by
 * src/cli/ccm.ts:
 *
 *   ccm products open <customerId> --product <code> [--amount <usd>] [--guarantee <reference>]
 *   ccm products approve <customerId> <productId>       the second approval (SUPERVISOR / RISK_OFFICER as the product names; not the requester)
 *   ccm products list <customerId> [--status PENDING_APPROVAL|OPEN|CLOSED]
 *   ccm products close <customerId> <productId> --reason …
 *
 * The same use cases as the API (src/products/): the same validation, role checks, §6.2 refusals
 * (printed with their reason, exit code 1) and audit records; the actor is `--as` / CCM_STAFF_ID.
 * `--json` prints the use case's answer.
 */
import type { Command } from 'commander';
import type { Actor } from '../security/auth';
import { systemClock } from '../shared/clock';
import { RuleRefusalError } from '../shared/errors';
import type { ProductDeps, ProductView } from '../products/products';
import { out, printJson, Session, UsageError, type GlobalOptions } from './session';

import type * as OpenModule from '../products/open-product';
import type * as ApproveModule from '../products/approve-product';
import type * as ListModule from '../products/list-products';
import type * as CloseModule from '../products/close-product';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  open: () => require('../products/open-product') as typeof OpenModule,
  approve: () => require('../products/approve-product') as typeof ApproveModule,
  list: () => require('../products/list-products') as typeof ListModule,
  close: () => require('../products/close-product') as typeof CloseModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ProductCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** The option a use case's field comes from, for refusals that name a field. */
const OPTION_OF: Record<string, string> = { productCode: '--product', guaranteeReference: '--guarantee', amountUsd: '--amount', reason: '--reason', status: '--status' };

/** Runs `work` with the use cases' dependencies and the acting staff member; prints JSON with --json, else with `print`. */
async function withProducts<T>(globals: GlobalOptions, work: (deps: ProductDeps, actor: Actor) => Promise<T>, print: (result: T) => void): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    let result: T;
    try {
      result = await work({ db: session.db, policy: session.policy, clock: systemClock }, actor);
    } catch (err) {
      // A §6.2 refusal that names a field: say which option would change the answer.
      if (err instanceof RuleRefusalError && err.issues.length) {
        for (const i of err.issues) process.stderr.write(`ccm: refused (${OPTION_OF[i.field] ?? i.field}): ${i.reason}\n`);
        return 1;
      }
      throw err;
    }
    if (globals.json) printJson(result);
    else print(result);
    return 0;
  } finally {
    await session.close();
  }
}

function productLine(p: ProductView): string {
  const flags = [
    p.simplifiedProcedure ? 'simplified procedure' : '',
    p.rateDiscountEligible ? 'rate discount' : '',
    p.guaranteeReference ? `guarantee ${p.guaranteeReference}` : '',
    p.status === 'PENDING_APPROVAL' ? `waits for ${p.approvalBy.join(' or ')}` : '',
    p.approvedByStaffId ? `approved by ${p.approvedByStaffId}` : '',
  ].filter(Boolean);
  return `${p.id}  ${p.productCode} (class ${p.riskClass})  ${p.status}${p.amountUsd ? `  USD ${p.amountUsd}` : ''}${flags.length ? `  [${flags.join(', ')}]` : ''}`;
}

/** A positive amount in USD as typed on the command line. */
function amountOf(text: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(text)) throw new UsageError(`--amount must be an amount in US dollars such as 25000 or 1999.99, got ${JSON.stringify(text)}`);
  return Number(text);
}

interface OpenOptions {
  product: string;
  amount?: number;
  guarantee?: string;
}

export function registerProductCommands({ program, run, globalsOf }: ProductCommandContext): void {
  const products = program.command('products').description("a customer's products on the terms of its risk rating (§6.2)");

  products
    .command('open')
    .description('open a product of the catalogue (RELATIONSHIP_MANAGER for their customers, SUPERVISOR, ADMIN): OPEN at once, or PENDING_APPROVAL when §6.2 asks for a second approval')
    .argument('<customerId>')
    .requiredOption('--product <code>', 'a product code of the §6.2 catalogue, e.g. DEPOSIT_ACCOUNT, PERSONAL_LOAN')
    .option('--amount <usd>', 'the limit or balance at opening, US dollars', amountOf)
    .option('--guarantee <reference>', "§6.2 extra guarantee: the reference of its collateral record")
    .action((customerId: string, o: OpenOptions, cmd: Command) =>
      run(
        withProducts(
          globalsOf(cmd),
          (deps, actor) =>
            onDemand.open().openProduct(deps, actor, customerId, {
              productCode: o.product.toUpperCase(),
              ...(o.amount !== undefined ? { amountUsd: o.amount } : {}),
              ...(o.guarantee !== undefined ? { guaranteeReference: o.guarantee } : {}),
            }),
          (p) => {
            out(productLine(p));
            out(`  terms of rating ${p.terms.rating}${p.terms.rated ? '' : ' (not yet rated)'}, policy ${p.policyVersion}`);
            for (const c of p.terms.conditions) out(`  ${c}`);
          },
        ),
      ),
    );

  products
    .command('approve')
    .description("the second approval of a product waiting for it (one of its approvalBy roles; not the staff member who requested it)")
    .argument('<customerId>')
    .argument('<productId>')
    .action((customerId: string, productId: string, _o: unknown, cmd: Command) =>
      run(withProducts(globalsOf(cmd), (deps, actor) => onDemand.approve().approveProduct(deps, actor, customerId, productId), (p) => out(productLine(p)))),
    );

  products
    .command('list')
    .description("the customer's products, newest request first")
    .argument('<customerId>')
    .option('--status <status>', 'PENDING_APPROVAL, OPEN or CLOSED')
    .action((customerId: string, o: { status?: string }, cmd: Command) =>
      run(
        withProducts(
          globalsOf(cmd),
          (deps, actor) => onDemand.list().listProducts(deps, actor, customerId, o.status !== undefined ? { status: o.status.toUpperCase() } : {}),
          (page) => {
            if (!page.items.length) out(`customer ${customerId} has no products${o.status ? ` ${o.status.toUpperCase()}` : ''}`);
            for (const p of page.items) out(productLine(p));
          },
        ),
      ),
    );

  products
    .command('close')
    .description('close a product, or withdraw a request waiting for approval (RELATIONSHIP_MANAGER for their customers, SUPERVISOR, ADMIN)')
    .argument('<customerId>')
    .argument('<productId>')
    .requiredOption('--reason <text>', 'why it is closed')
    .action((customerId: string, productId: string, o: { reason: string }, cmd: Command) =>
      run(withProducts(globalsOf(cmd), (deps, actor) => onDemand.close().closeProduct(deps, actor, customerId, productId, { reason: o.reason }), (p) => out(productLine(p)))),
    );
}
