/**
 * `ccm audit …` (registered by src/cli/ccm.ts): §3.1 tamper evidence of the audit log (issue 13).
 *
 *   ccm audit verify [--expect-head <seq>:<hash>] [--page-size <n>]     (AUDITOR, SUPERVISOR, ADMIN)
 *
 * Walks the hash chain of every audit record (src/audit/chain.ts) and prints either
 *   `audit chain OK: <n> records; head seq <seq> hash <hash>` (exit 0), or
 *   `audit chain BROKEN at record <id> (seq <seq>): <reason> — <detail>` (exit 1),
 * the reason being `content changed`, `previous hash mismatch` or `not sealed`. Keep the printed head
 * elsewhere and pass it as --expect-head later: a chain cut short at its end is found that way.
 */
import type { Command } from 'commander';
import { AUDIT_READ_ROLES } from '../audit/list-audit';
import { VERIFY_PAGE_SIZE, verifyAuditChain } from '../audit/chain';
import { requireRole } from '../security/auth';
import { out, printJson, Session, UsageError, wholeNumber, type GlobalOptions } from './session';

export interface AuditCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

interface VerifyOptions {
  expectHead?: string;
  pageSize: number;
}

/** `<seq>:<64 hex>` → the head to expect. */
export function parseHead(text: string): { seq: bigint; hash: string } {
  const m = /^(\d{1,19}):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new UsageError(`--expect-head must be <seq>:<hash> as printed by ccm audit verify (e.g. 1234:${'0'.repeat(8)}…), got ${JSON.stringify(text)}`);
  return { seq: BigInt(m[1]!), hash: m[2]! };
}

async function verifyCommand(options: VerifyOptions, globals: GlobalOptions): Promise<number> {
  const expectHead = options.expectHead === undefined ? undefined : parseHead(options.expectHead);
  const session = new Session(1);
  try {
    requireRole(await session.actor(globals), ...AUDIT_READ_ROLES); // §3.1: the audit log is read by these roles only
    const verdict = await verifyAuditChain(session.db, { pageSize: options.pageSize, ...(expectHead ? { expectHead } : {}) });
    if (globals.json) printJson(verdict);
    else if (verdict.ok) out(`audit chain OK: ${verdict.count} records${verdict.head ? `; head seq ${verdict.head.seq} hash ${verdict.head.hash}` : ''}`);
    else out(`audit chain BROKEN at record ${verdict.broken.id}${verdict.broken.seq ? ` (seq ${verdict.broken.seq})` : ''}: ${verdict.broken.reason} — ${verdict.broken.detail}; ${verdict.count} records before it verified`);
    return verdict.ok ? 0 : 1;
  } finally {
    await session.close();
  }
}

export function registerAuditCommands({ program, run, globalsOf }: AuditCommandContext): void {
  const audit = program.command('audit').description('the audit log (§3.1): tamper evidence');
  audit
    .command('verify')
    .description('prove the hash chain of every audit record, or name the first broken link and why (AUDITOR, SUPERVISOR, ADMIN)')
    .option('--expect-head <seq:hash>', 'a head printed by an earlier verify: the chain must still contain it')
    .option('--page-size <n>', 'records read per query', wholeNumber('--page-size', 1, 100_000), VERIFY_PAGE_SIZE)
    .action((options: VerifyOptions, cmd: Command) => run(verifyCommand(options, globalsOf(cmd))));
}
