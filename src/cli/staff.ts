/**
 * `ccm staff key …`: §3.1 staff API keys with expiry and revocation (issue 13), registered on the
 * `staff` group by src/cli/ccm.ts:
 *
 *   ccm staff key issue <staffId> [--expires-in 90d] [--label "laptop 2027"]   ADMIN: the key on stdout, once
 *   ccm staff key revoke <keyId>                                               ADMIN: refused at once from then on
 *   ccm staff key list [staffId]                                               ADMIN: status, expiry, last use (never the key)
 *
 * The same use cases as POST/DELETE/GET /staff/:id/keys (src/staff/api-keys.ts): the same validation,
 * the policy's default and maximum lifetime (security.apiKeys), role checks and audit records. The
 * key is printed on stdout only (pipe it where it is kept); what was done goes to stderr.
 */
import type { Command } from 'commander';
import { systemClock } from '../shared/clock';
import { issueStaffApiKey, listStaffApiKeys, revokeStaffApiKey, type ApiKeyView } from '../staff/api-keys';
import { log, out, printJson, Session, type GlobalOptions } from './session';

export interface StaffCommandContext {
  /** The `ccm staff` group (src/cli/ccm.ts). */
  staff: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

async function withSession(globals: GlobalOptions, work: (session: Session, actor: Awaited<ReturnType<Session['actor']>>) => Promise<number>): Promise<number> {
  const session = new Session();
  try {
    return await work(session, await session.actor(globals));
  } finally {
    await session.close();
  }
}

const keyLine = (k: ApiKeyView) =>
  [k.id, k.staffId, k.status, `expires ${k.expiresAt ?? 'never'}`, `last used ${k.lastUsedAt ?? 'never'}`, ...(k.revokedAt ? [`revoked ${k.revokedAt}${k.revokedBy ? ` by ${k.revokedBy}` : ''}`] : []), k.label].join('  ');

export function registerStaffKeyCommands({ staff, run, globalsOf }: StaffCommandContext): void {
  const key = staff.command('key').description("a staff member's API keys: issue (with an expiry), revoke, list (§3.1, ADMIN)");

  key
    .command('issue')
    .description('issue an API key, printed once on stdout (ADMIN); it expires after --expires-in (default and maximum: the policy)')
    .argument('<staffId>')
    .option('--expires-in <duration>', 'how long it lives: 90d, 12h or P90D (default: policy security.apiKeys.defaultExpiresIn)')
    .option('--label <label>', 'what the key is for, e.g. "laptop 2027" (default: who issued it and when)')
    .action((staffId: string, o: { expiresIn?: string; label?: string }, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const now = systemClock.now();
          const label = o.label ?? `issued by ${actor.staffId} on ${now.toISOString().slice(0, 10)}`;
          const issued = await issueStaffApiKey({ db: s.db, policy: s.policy }, actor, staffId, { label, ...(o.expiresIn === undefined ? {} : { expiresIn: o.expiresIn }) }, now);
          log(`API key ${issued.id} issued to ${staffId} (${issued.label}), expires ${issued.expiresAt}. It is shown once, below: store it now.`);
          if (globalsOf(cmd).json) printJson(issued);
          else out(issued.key);
          return 0;
        }),
      ),
    );

  key
    .command('revoke')
    .description('revoke an API key at once (ADMIN); a revoked key stays revoked')
    .argument('<keyId>', 'the key id (ccm staff key list)')
    .action((keyId: string, _o: unknown, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const revoked = await revokeStaffApiKey({ db: s.db, policy: s.policy }, actor, undefined, keyId, systemClock.now());
          if (globalsOf(cmd).json) printJson(revoked);
          else out(`API key ${revoked.id} of ${revoked.staffId} revoked at ${revoked.revokedAt}${revoked.revokedBy ? ` by ${revoked.revokedBy}` : ''}`);
          return 0;
        }),
      ),
    );

  key
    .command('list')
    .description("API keys, newest first: id, staff member, ACTIVE/EXPIRED/REVOKED, expiry, last use, label (ADMIN; never the key)")
    .argument('[staffId]', "one staff member's keys (default: everyone's)")
    .action((staffId: string | undefined, _o: unknown, cmd: Command) =>
      run(
        withSession(globalsOf(cmd), async (s, actor) => {
          const keys = await listStaffApiKeys({ db: s.db, policy: s.policy }, actor, staffId, systemClock.now());
          if (globalsOf(cmd).json) printJson(keys);
          else if (keys.length === 0) out(staffId ? `no API keys for ${staffId}` : 'no API keys');
          else for (const k of keys) out(keyLine(k));
          return 0;
        }),
      ),
    );
}
