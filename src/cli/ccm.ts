/**
 * `ccm`: the staff command line (bin/ccm.js runs this file through tsx). It talks to PostgreSQL and
 * Temporal directly and runs the same use cases as the API (one path: same validation, role checks,
 * audit records and workflows). Configuration is the environment (src/config/env.ts): DATABASE_URL
 * always, TEMPORAL_ADDRESS for commands that start or update workflows, the key ring (§3.1).
 *
 * Who acts: `--as <staffId>` (or CCM_STAFF_ID). The staff member's roles come from the database; an
 * unknown or inactive staff member is refused. (Anyone who can run this has the database credentials:
 * the role checks keep honest operators within their role and put their id on every audit record.)
 *
 * Exit codes: 0 done; 1 refused or failed (validation, conflict, forbidden, not found, rows skipped);
 * 2 usage or configuration error. Errors are one line on stderr; results go to stdout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import type { Policy } from '../policy/policy';
import { CsvFormatError, errorLine, formatImportReport, importCustomerRows, readCustomerCsv, type ImportProgress } from '../customers/import-csv';
import { listPendingReviews } from '../reviews/list-pending';
import { requireRole } from '../security/auth';
import { systemClock } from '../shared/clock';
import { parseInput, ValidationError, type FieldIssue } from '../shared/errors';
import { createStaff, STAFF_ROLES } from '../staff/create-staff';
import { registerLifecycleCommands } from './lifecycle';
import { registerDepartmentCommands } from './departments';
import { registerReportCommands } from './reports';
import { registerFeedbackCommands } from './feedback';
import { registerRiskFinancialsCommands, riskCommandGroup } from './risk';
import { registerRiskPortfolioCommands } from './risk-portfolio';
import { registerRiskCustomerCommands } from './risk-customer';
import { registerProductCommands } from './products';
import { registerStaffAssessmentCommands } from './staff-assessment';
import { registerTrainingCommands } from './training';
import { registerStaffKeyCommands } from './staff';
import { issueStaffApiKey } from '../staff/api-keys';
import { registerAuditCommands } from './audit';
import { log, out, printJson, Session, UsageError, wholeNumber, type GlobalOptions } from './session';

// Loaded by the commands that need them: the Temporal SDK, the payload codec and the customer use
// cases (which import the workflow definitions) take about a second to load, which commands that
// only read the database should not pay. (require, not import(): tsx runs this file as CommonJS.)
import type * as CreateCustomerModule from '../customers/create-customer';
import type * as CustomerDtoModule from '../customers/customer-dto';
import type * as CalendarModule from '../domain/business-calendar';
import type * as GetCustomerModule from '../customers/get-customer';
import type * as DecideReviewModule from '../reviews/decide-review';
import type * as RotateKeysModule from '../security/rotate-keys';
import type * as ProgressModule from 'cli-progress';
import type * as OutboxModule from '../outbox/workflow-starts';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  createCustomer: () => require('../customers/create-customer') as typeof CreateCustomerModule,
  customerDto: () => require('../customers/customer-dto') as typeof CustomerDtoModule,
  calendar: () => require('../domain/business-calendar') as typeof CalendarModule,
  getCustomer: () => require('../customers/get-customer') as typeof GetCustomerModule,
  decideReview: () => require('../reviews/decide-review') as typeof DecideReviewModule,
  rotateKeys: () => require('../security/rotate-keys') as typeof RotateKeysModule,
  progress: () => require('cli-progress') as typeof ProgressModule,
  outbox: () => require('../outbox/workflow-starts') as typeof OutboxModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export { UsageError };

const USAGE_ERRORS = new Set(['UsageError', 'ConfigError', 'PolicyError', 'CsvFormatError', 'KeyRingError']);

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

// ---------------------------------------------------------------------------------------------
// customers import
// ---------------------------------------------------------------------------------------------

interface ImportCliOptions {
  channel: string;
  concurrency: number;
  report?: string;
}

async function importCommand(file: string, options: ImportCliOptions, globals: GlobalOptions): Promise<number> {
  const { createCustomer, SENSITIVE_INPUT } = onDemand.createCustomer();
  const { CHANNELS, newCustomerSchemaFor } = onDemand.customerDto();
  const { calendarDateIn } = onDemand.calendar();
  const channel = options.channel.toUpperCase();
  if (!(CHANNELS as readonly string[]).includes(channel)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}, got ${JSON.stringify(options.channel)}`);
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { rows } = readCustomerCsv(content);

  // Each row is one statement (customer, identity, profile, review, audit and the outbox record of its
  // onboarding start); the workflow starts are decoupled from the rows (src/outbox): they run on in
  // the background while the next rows are written, and the import waits for them before it exits.
  const session = new Session(options.concurrency + 2);
  try {
    const { db, ring, policy } = session;
    const temporal = await session.temporal();
    const actor = await session.actor(globals);
    const starter = new (onDemand.outbox().WorkflowStarter)({ db, temporal, log });
    const deps = { db, temporal, taskQueue: session.env.TASK_QUEUE, policy, ring, clock: systemClock, starter };
    const validate = (body: Record<string, unknown>): FieldIssue[] => {
      const now = systemClock.now();
      try {
        parseInput(newCustomerSchemaFor(calendarDateIn(now, policy.onboarding.timeZone), policy), body, SENSITIVE_INPUT);
        return [];
      } catch (err) {
        if (err instanceof ValidationError) return err.issues;
        throw err;
      }
    };

    const progress = progressReporter(rows.length);
    const startedAt = new Date();
    const report = await importCustomerRows(
      rows,
      { createCustomer: (body) => createCustomer(deps, actor, body, { waitForStart: false }), validate },
      { channel, concurrency: options.concurrency, onProgress: progress.update },
    );
    await starter.drain();
    progress.stop();
    const unstarted = await starter.pending();
    if (unstarted) log(`${unstarted} onboarding workflows are not started yet (Temporal unreachable?): the API's reconciler starts them once it can`);
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    log(`${report.imported + report.skipped} of ${report.rows} rows in ${seconds.toFixed(1)} s (${Math.round((report.imported + report.skipped) / Math.max(seconds, 0.001))} rows/s, concurrency ${options.concurrency})`);

    const json = {
      file,
      channel,
      actorStaffId: actor.staffId,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(seconds * 1000),
      ...report,
    };
    if (options.report) await writeFile(options.report, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
    if (globals.json) printJson(json);
    else for (const line of formatImportReport(report)) out(line);
    return report.skipped || report.notAttempted ? 1 : 0;
  } finally {
    await session.close();
  }
}

/** A progress bar on a terminal; a plain line every few seconds otherwise (logs, CI). */
function progressReporter(total: number): { update: (p: ImportProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const { SingleBar } = onDemand.progress();
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'importing [{bar}] {value}/{total} rows | {imported} imported, {skipped} skipped | {duration_formatted} elapsed, ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 200,
    });
    bar.start(total, 0, { imported: 0, skipped: 0 });
    return { update: (p) => bar.update(p.done, { imported: p.imported, skipped: p.skipped }), stop: () => bar.stop() };
  }
  const EVERY_MS = 2000;
  let last = Date.now();
  let latest: ImportProgress | undefined;
  return {
    update: (p) => {
      latest = p;
      if (Date.now() - last < EVERY_MS) return;
      last = Date.now();
      log(`${p.done}/${p.total} rows (${p.imported} imported, ${p.skipped} skipped)`);
    },
    stop: () => {
      if (latest && latest.done !== total) log(`${latest.done}/${total} rows`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// customers show, reviews
// ---------------------------------------------------------------------------------------------

async function showCommand(id: string, options: { reveal?: boolean }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const { getCustomer } = onDemand.getCustomer();
    const view = await getCustomer({ db: session.db, ring: session.ring }, actor, id, options.reveal ? { reveal: 'identity' } : {});
    printJson(view);
    return 0;
  } finally {
    await session.close();
  }
}

async function listReviewsCommand(options: { limit: number }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const reviews = await listPendingReviews(session.db, actor, options.limit);
    if (globals.json) {
      printJson({ reviews });
      return 0;
    }
    if (!reviews.length) {
      out('no records waiting for review');
      return 0;
    }
    const rows = reviews.map((r) => [r.customerId, r.type, r.status, r.submittedAt, r.enteredByStaffId, r.displayName]);
    const header = ['CUSTOMER', 'TYPE', 'STATUS', 'SUBMITTED', 'ENTERED BY', 'NAME'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
    return 0;
  } finally {
    await session.close();
  }
}

interface DecideOptions {
  reason?: string;
  wait: number;
}

/** No answer from the onboarding workflow in time (no worker polling, or the decision's effects still retrying). */
export class NoAnswerError extends Error {
  override name = 'NoAnswerError';
}

async function decideCommand(customerId: string, decision: 'APPROVE' | 'REJECT' | 'REQUEST_INFO', options: DecideOptions, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const temporal = await session.temporal();
    const { decideReview } = onDemand.decideReview();
    const body = { decision, ...(options.reason !== undefined ? { reason: options.reason } : {}) };
    // The workflow answers once the decision has taken effect (e.g. approval classified the customer).
    let timer: NodeJS.Timeout | undefined;
    const noAnswer = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new NoAnswerError(
              `no answer from onboarding-${customerId} within ${options.wait} s: is a worker polling task queue ${session.env.TASK_QUEUE}? ` +
                'If the decision was accepted it takes effect when the workflow runs on; `ccm customers show` tells the status',
            ),
          ),
        options.wait * 1000,
      );
    });
    const state = await Promise.race([decideReview({ db: session.db, temporal }, actor, customerId, body), noAnswer]).finally(() => clearTimeout(timer));
    if (globals.json) {
      printJson(state);
      return 0;
    }
    const last = state.decisions.at(-1);
    out(`${customerId}: ${decision} accepted from ${actor.staffId}${last?.reason ? ` (reason: ${last.reason})` : ''}; onboarding status ${state.status}`);
    if (state.infoDeadlineAt) out(`information due by ${state.infoDeadlineAt}`);
    return 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// keys, staff
// ---------------------------------------------------------------------------------------------

async function rotateCommand(options: { batch: number }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    requireRole(actor, 'ADMIN'); // rotateKeys checks too; refused before anything is said or read
    const ring = session.ring;
    log(`re-encrypting under key ${ring.currentKeyId} (ring: ${ring.keyIds.join(', ')}), batches of ${options.batch}`);
    const { rotateKeys } = onDemand.rotateKeys();
    const result = await rotateKeys({ db: session.db, ring }, actor, {
      batchSize: options.batch,
      onBatch: ({ table, rows }) => log(`${table}: batch of ${rows} committed`),
    });
    const counts = [result.identityNumbers, result.datesOfBirth, result.creditRecords, result.creditBureaus, result.feedbackContacts, result.feedbackTexts, result.feedbackEventBodies, result.surveyComments];
    const concurrent = counts.reduce((sum, c) => sum + c.changedConcurrently, 0);
    if (globals.json) printJson(result);
    else {
      out(`current key ${result.currentKeyId}`);
      out(`identity numbers re-encrypted: ${result.identityNumbers.reEncrypted}`);
      out(`dates of birth re-encrypted: ${result.datesOfBirth.reEncrypted}`);
      out(`credit records re-encrypted: ${result.creditRecords.reEncrypted}`);
      out(`credit bureau figures re-encrypted: ${result.creditBureaus.reEncrypted}`);
      out(`feedback contact details re-encrypted: ${result.feedbackContacts.reEncrypted}`);
      out(`feedback summaries and descriptions re-encrypted: ${result.feedbackTexts.reEncrypted}`);
      out(`feedback timeline bodies re-encrypted: ${result.feedbackEventBodies.reEncrypted}`);
      out(`survey comments re-encrypted: ${result.surveyComments.reEncrypted}`);
      if (concurrent) out(`changed by others during the run (run again): ${concurrent}`);
      for (const f of result.failures) out(`failed: ${f.column} of ${f.row}: ${f.reason}`);
      out(`failures: ${result.failures.length}`);
    }
    return result.failures.length || concurrent ? 1 : 0;
  } finally {
    await session.close();
  }
}

async function issueKeyCommand(staffId: string, options: { label: string }, globals: GlobalOptions): Promise<number> {
  const label = options.label.trim();
  if (!label || label.length > 100) throw new UsageError('--label must be 1–100 characters');
  const session = new Session();
  try {
    // Issue 13: the same use case as `ccm staff key issue` (src/cli/staff.ts): the policy's default expiry, audited.
    const issued = await issueStaffApiKey({ db: session.db, policy: session.policy }, await session.actor(globals), staffId, { label }, systemClock.now());
    log(`API key ${issued.id} issued to ${staffId} (${label}), expires ${issued.expiresAt}. It is shown once, below: store it now.`);
    if (globals.json) printJson({ id: issued.id, staffId, label, key: issued.key, expiresAt: issued.expiresAt });
    else out(issued.key);
    return 0;
  } finally {
    await session.close();
  }
}

interface StaffAddOptions {
  name: string;
  email: string;
  roles: string[];
  expertise?: string[];
  bootstrap?: boolean;
}

/** Advisory lock key serializing `staff add --bootstrap` runs (one first ADMIN, not two). */
const BOOTSTRAP_LOCK = 'ccm:staff-add:bootstrap';

async function staffAddCommand(id: string, options: StaffAddOptions, globals: GlobalOptions): Promise<number> {
  const roles = options.roles.map((r) => r.toUpperCase());
  const session = new Session();
  try {
    const expertise = parseExpertise(options.expertise ?? [], session.policy);
    const body = { id, name: options.name, email: options.email, roles };
    const db = session.db;
    const add = async () => {
      const staff = await createStaff(db, body);
      if (!expertise.length) return { ...staff, expertise: [] as string[] };
      const updated = await db.staffMember.update({ where: { id: staff.id }, data: { expertise } });
      return { ...staff, expertise: updated.expertise };
    };

    let created: Awaited<ReturnType<typeof add>>;
    const actingId = globals.as ?? process.env.CCM_STAFF_ID;
    if (options.bootstrap && !actingId) {
      if (!roles.includes('ADMIN')) throw new UsageError('--bootstrap creates the first ADMIN: --roles must include ADMIN');
      // The lock is held by this transaction until the new ADMIN is committed, so a concurrent
      // bootstrap waits and then finds it.
      created = await db.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${BOOTSTRAP_LOCK}))`;
          const admin = await db.staffMember.findFirst({ where: { active: true, roles: { has: 'ADMIN' } } });
          if (admin) throw new UsageError(`an active ADMIN exists already (${admin.id}): --bootstrap only creates the first one; use --as <adminId>`);
          return add();
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
    } else {
      if (options.bootstrap) log('--bootstrap ignored: acting as the given staff member');
      requireRole(await session.actor(globals), 'ADMIN');
      created = await add();
    }
    if (globals.json) printJson(created);
    else out(`staff member ${created.id} (${created.name} <${created.email}>) roles ${created.roles.join(', ')}${created.expertise.length ? `, expertise ${created.expertise.join(', ')}` : ''}`);
    return 0;
  } finally {
    await session.close();
  }
}

/** Team expertise codes (§4 coverage): those the policy's service tiers ask for. */
function parseExpertise(codes: string[], policy: Policy): string[] {
  const known = new Set(Object.values(policy.serviceTiers).flatMap((t) => t.coverage.team));
  const upper = codes.map((c) => c.toUpperCase());
  const unknown = upper.filter((c) => !known.has(c));
  if (unknown.length) {
    throw new UsageError(`--expertise ${unknown.join(', ')}: expected team roles of the policy's service tiers: ${[...known].sort().join(', ')}`);
  }
  return [...new Set(upper)];
}

// ---------------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------------

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('ccm')
    .description('Customer-care manager: staff command line (talks to the database and Temporal directly)')
    .addOption(new Option('--as <staffId>', 'the acting staff member (default: $CCM_STAFF_ID)'))
    .option('--json', 'machine-readable output on stdout')
    .exitOverride()
    .showHelpAfterError('(ccm --help lists the commands)');
  const globalsOf = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();
  const run = (work: Promise<number>) => work.then(setExitCode);

  const customers = program.command('customers').description('customer records (§2.3)');
  customers
    .command('import')
    .description('create one customer per CSV row (header row required; each row its own transaction; bad rows reported and skipped)')
    .argument('<file.csv>', 'CSV file with a header row')
    .option('--channel <channel>', 'onboarding channel recorded on every customer: WEBSITE, MOBILE_APP, BRANCH or IMPORT', 'IMPORT')
    .option('--concurrency <n>', 'rows imported at once', wholeNumber('--concurrency', 1, 64), 8)
    .option('--report <file>', 'also write the report as JSON to this file')
    .action((file: string, options: ImportCliOptions, cmd: Command) => run(importCommand(file, options, globalsOf(cmd))));
  customers
    .command('show')
    .description('one customer as JSON, identity number masked (audited read)')
    .argument('<id>', 'customer id')
    .option('--reveal', 'show the identity number in clear (AUDITOR or RISK_OFFICER; recorded)')
    .action((id: string, options: { reveal?: boolean }, cmd: Command) => run(showCommand(id, options, globalsOf(cmd))));

  const reviews = program.command('reviews').description("the audit team's review of new records (§2.3 step 3); periodic reviews (§3.2)");
  reviews
    .command('list')
    .description('records waiting for review or for the customer, oldest first')
    .option('--limit <n>', 'at most this many', wholeNumber('--limit', 1, 500), 100)
    .action((options: { limit: number }, cmd: Command) => run(listReviewsCommand(options, globalsOf(cmd))));
  const waitOption = () => new Option('--wait <seconds>', 'give up waiting for the answer after this long').argParser(wholeNumber('--wait', 1, 3600)).default(60);
  reviews
    .command('approve')
    .description('approve a record (AUDITOR; not the one who entered it)')
    .argument('<customerId>')
    .addOption(waitOption())
    .action((customerId: string, options: DecideOptions, cmd: Command) => run(decideCommand(customerId, 'APPROVE', options, globalsOf(cmd))));
  reviews
    .command('reject')
    .description('reject a record, with the reason (AUDITOR)')
    .argument('<customerId>')
    .requiredOption('--reason <text>', 'why')
    .addOption(waitOption())
    .action((customerId: string, options: DecideOptions, cmd: Command) => run(decideCommand(customerId, 'REJECT', options, globalsOf(cmd))));
  reviews
    .command('request-info')
    .description('ask the customer for information, with what is needed (AUDITOR)')
    .argument('<customerId>')
    .requiredOption('--reason <text>', 'what is needed')
    .addOption(waitOption())
    .action((customerId: string, options: DecideOptions, cmd: Command) => run(decideCommand(customerId, 'REQUEST_INFO', options, globalsOf(cmd))));

  // ccm lifecycle ensure, reviews periodic|complete, customers close, tasks (src/cli/lifecycle.ts).
  registerLifecycleCommands({ program, customers, reviews, run, globalsOf });
  // ccm departments …, ccm rota … (src/cli/departments.ts).
  registerDepartmentCommands({ program, run, globalsOf });
  registerReportCommands({ program, run, globalsOf }); // ccm reports sla (src/cli/reports.ts)
  registerFeedbackCommands({ program, run, globalsOf });
  // ccm risk …: the group, then each subcommand group from its file (src/cli/risk.ts: financials).
  const risk = riskCommandGroup(program);
  registerRiskFinancialsCommands({ risk, run, globalsOf });
  registerRiskPortfolioCommands({ risk, run, globalsOf }); // schedule, run, progress, rescore (src/cli/risk-portfolio.ts, §6 quarterly)
  registerRiskCustomerCommands({ risk, run, globalsOf }); // show, investigation, plan (src/cli/risk-customer.ts, §6.2)
  registerProductCommands({ program, run, globalsOf }); // ccm products open|approve|list|close (src/cli/products.ts, §6.2)
  registerStaffAssessmentCommands({ program, run, globalsOf }); // ccm staff-assessment … (src/cli/staff-assessment.ts, §7.2)
  registerTrainingCommands({ program, run, globalsOf }); // ccm training … (src/cli/training.ts, §7.1)
  registerAuditCommands({ program, run, globalsOf }); // ccm audit verify (src/cli/audit.ts, §3.1 tamper evidence)

  const keys = program.command('keys').description('encryption keys and API keys (§3.1)');
  keys
    .command('rotate')
    .description('re-encrypt every stored value not under the current data key (ADMIN)')
    .option('--batch <n>', 'rows per transaction', wholeNumber('--batch', 1, 10_000), 500)
    .action((options: { batch: number }, cmd: Command) => run(rotateCommand(options, globalsOf(cmd))));
  keys
    .command('issue')
    .description("issue an API key for a staff member, printed once (ADMIN)")
    .argument('<staffId>')
    .requiredOption('--label <label>', 'what the key is for, e.g. "laptop 2026"')
    .action((staffId: string, options: { label: string }, cmd: Command) => run(issueKeyCommand(staffId, options, globalsOf(cmd))));

  const staff = program.command('staff').description('staff members');
  staff
    .command('add')
    .description('register a staff member (ADMIN; --bootstrap without --as creates the first ADMIN)')
    .argument('<id>', 'staff id, e.g. rm-1')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--email <email>', 'e-mail address')
    .requiredOption('--roles <roles>', `comma-separated: ${STAFF_ROLES.join(', ')}`, list)
    .option('--expertise <codes>', 'comma-separated team expertise, e.g. INVESTMENT_EXPERT,LEGAL_EXPERT', list)
    .option('--bootstrap', 'no ADMIN exists yet: create this one without --as')
    .action((id: string, options: StaffAddOptions, cmd: Command) => run(staffAddCommand(id, options, globalsOf(cmd))));
  registerStaffKeyCommands({ staff, run, globalsOf }); // ccm staff key issue|revoke|list (src/cli/staff.ts, §3.1, issue 13)

  return program;
}

/** Exit code for an error thrown by a command; prints it as one line. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed it
  const e = err instanceof Error ? err : new Error(String(err));
  const usage = USAGE_ERRORS.has(e.name) || e instanceof CsvFormatError;
  const message = e instanceof ValidationError || usage || KNOWN_ERRORS.has(e.name) ? e.message : errorLine(e);
  process.stderr.write(`ccm: ${message}\n`);
  return usage ? 2 : 1;
}

const KNOWN_ERRORS = new Set(['ValidationError', 'ConflictError', 'RuleRefusalError', 'ForbiddenError', 'NotFoundError', 'AuthenticationError', 'NoAnswerError']);

export async function main(argv: string[] = process.argv): Promise<number> {
  let code = 0;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv);
  } catch (err) {
    code = reportError(err);
  }
  return code;
}

/**
 * Prisma's pg adapter queues queries on a transaction's connection, which pg@8 flags with a
 * deprecation warning on every import row; it is upstream's, not an operator's, concern.
 */
function silenceUpstreamQueueWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('Calling client.query() when the client is already executing a query')) return;
    emitWarning(warning, ...rest);
  };
}

/** Runs the CLI and exits with its code (bin/ccm.js). */
export function run(): void {
  silenceUpstreamQueueWarning();
  void main().then((code) => {
    // Exit explicitly: a connection pool or gRPC channel left open must not keep the CLI alive.
    process.stdout.write('', () => process.exit(code));
  });
}

if (require.main === module) run();
