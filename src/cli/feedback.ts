/**
 * `ccm feedback …`: §5.2 feedback and complaints for staff, registered by src/cli/ccm.ts:
 *
 *   ccm feedback register --channel HOTLINE|ONLINE|SUGGESTION_BOX (--customer <id> | --contact-name … [--contact-email …] [--contact-phone …])
 *                         --category … --severity … --complexity SIMPLE|COMPLEX [--customer-type …] --summary … [--description …] [--handler <staffId>]
 *   ccm feedback import <file.csv>                       suggestion-box slips, all or nothing
 *   ccm feedback show <caseNo>                           the case, its timeline and live state
 *   ccm feedback list [--status …] [--department …] [--breached true|false] [--customer …] [--cursor …] [--limit n]
 *   ccm feedback respond <caseNo> --body …               emailed to the customer
 *   ccm feedback note <caseNo> --body … [--no-internal]  internal unless --no-internal
 *   ccm feedback pause|resume <caseNo> --reason …        the SLA clock stops / runs again
 *   ccm feedback reassign <caseNo> [--to <staffId>] [--department <code>] --reason …   (SUPERVISOR, ADMIN)
 *   ccm feedback reclassify <caseNo> [--category …] [--severity …] [--complexity …] [--customer-type …] --reason …
 *   ccm feedback resolve <caseNo> --resolution …          to the customer, with the survey link
 *
 * The same use cases as the API (src/feedback/), so the same validation messages, role checks, audit
 * records and workflow messages; the actor is `--as` / CCM_STAFF_ID. `--json` prints the use case's answer.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Actor } from '../security/auth';
import { systemClock } from '../shared/clock';
import { ValidationError } from '../shared/errors';
import { out, printJson, Session, UsageError, wholeNumber, type GlobalOptions } from './session';

// The use cases import the workflow definitions and the Temporal SDK: loaded by the commands that run them.
import type * as RegisterModule from '../feedback/register-feedback';
import type * as BatchModule from '../feedback/register-feedback-batch';
import type * as CsvModule from '../feedback/import-feedback-csv';
import type * as GetModule from '../feedback/get-feedback';
import type * as ListModule from '../feedback/list-feedback';
import type * as RespondModule from '../feedback/respond-feedback';
import type * as NoteModule from '../feedback/add-feedback-note';
import type * as PauseModule from '../feedback/pause-feedback';
import type * as ResumeModule from '../feedback/resume-feedback';
import type * as ReassignModule from '../feedback/reassign-feedback';
import type * as ReclassifyModule from '../feedback/reclassify-feedback';
import type * as ResolveModule from '../feedback/resolve-feedback';
import type { CaseChange, FeedbackCaseView, FeedbackDeps, LiveState } from '../feedback/cases';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  register: () => require('../feedback/register-feedback') as typeof RegisterModule,
  batch: () => require('../feedback/register-feedback-batch') as typeof BatchModule,
  csv: () => require('../feedback/import-feedback-csv') as typeof CsvModule,
  get: () => require('../feedback/get-feedback') as typeof GetModule,
  list: () => require('../feedback/list-feedback') as typeof ListModule,
  respond: () => require('../feedback/respond-feedback') as typeof RespondModule,
  note: () => require('../feedback/add-feedback-note') as typeof NoteModule,
  pause: () => require('../feedback/pause-feedback') as typeof PauseModule,
  resume: () => require('../feedback/resume-feedback') as typeof ResumeModule,
  reassign: () => require('../feedback/reassign-feedback') as typeof ReassignModule,
  reclassify: () => require('../feedback/reclassify-feedback') as typeof ReclassifyModule,
  resolve: () => require('../feedback/resolve-feedback') as typeof ResolveModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface FeedbackCommandContext {
  program: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** How long a command waits for the case's workflow (an update runs an activity that may email). */
const WORKFLOW_WAIT_SECONDS = 60;

async function withinSeconds<T>(seconds: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer from ${what} within ${seconds} s: is a worker polling its task queue?`), { name: 'NoAnswerError' })), seconds * 1000);
  });
  return Promise.race([work, noAnswer]).finally(() => clearTimeout(timer));
}

/** Runs `work` with the use cases' dependencies and the acting staff member; prints the result as JSON with --json, else with `print`. */
async function withCase<T>(globals: GlobalOptions, opts: { temporal: boolean }, work: (deps: FeedbackDeps, actor: Actor) => Promise<T>, print: (result: T) => void): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const deps: FeedbackDeps = {
      db: session.db,
      // Commands that only read PostgreSQL never connect to Temporal.
      temporal: opts.temporal ? await session.temporal() : (undefined as unknown as FeedbackDeps['temporal']),
      taskQueue: session.env.TASK_QUEUE,
      policy: session.policy,
      ring: session.ring,
      clock: systemClock,
    };
    const result = await withinSeconds(WORKFLOW_WAIT_SECONDS, 'the feedback case’s workflow', work(deps, actor));
    if (globals.json) printJson(result);
    else print(result);
    return 0;
  } finally {
    await session.close();
  }
}

/** A duration in ms as "2 d 3 h 5 min" (its magnitude). */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  return [d ? `${d} d` : '', h ? `${h} h` : '', `${m} min`].filter(Boolean).join(' ');
}

function liveLine(live: LiveState): string {
  const unit = live.clock === 'BUSINESS' ? 'business time' : 'clock hours';
  const remaining = live.remainingMs === null ? '' : live.remainingMs < 0 ? `, overdue by ${formatDuration(live.remainingMs)} (${unit})` : `, ${formatDuration(live.remainingMs)} left (${unit})`;
  const deadline = live.firstResponseAt ? `first response ${live.firstResponseAt}` : live.paused ? 'clock paused' : `deadline ${live.deadline ?? 'not set yet'}${remaining}`;
  return `status ${live.status}, department ${live.departmentCode}, handler ${live.handlerStaffId ?? 'none yet'}, ${deadline}, escalation level ${live.escalationLevel}`;
}

const changeLine = (what: string) => (r: CaseChange) => out(`${r.caseNo}: ${what}${r.eventId ? ` (event ${r.eventId})` : ''}; ${liveLine(r.live)}`);

function printCase(c: FeedbackCaseView): void {
  out(`${c.caseNo}  ${c.channel}  ${c.category}/${c.severity}/${c.complexity}  ${c.customerType}${c.breached ? '  BREACHED' : ''}`);
  out(`  from: ${c.customerId ? `customer ${c.customerId}` : `${c.contact?.name ?? '?'} ${[c.contact?.email, c.contact?.phone].filter(Boolean).join(' ')}`}`);
  out(`  summary: ${c.summary}`);
  if (c.description) out(`  description: ${c.description}`);
  out(`  routed: department ${c.departmentCode} (rule ${c.routingRuleId}, policy ${c.policyVersion}); registered ${c.registeredAt}`);
  out(`  live (${c.live.source}): ${liveLine(c.live)}`);
  out('  timeline:');
  for (const e of c.timeline) {
    const who = e.actorStaffId ? ` by ${e.actorStaffId}` : '';
    const extra = [e.internal ? 'internal' : '', e.reason ? `reason: ${e.reason}` : '', e.body ? `"${e.body}"` : ''].filter(Boolean).join('; ');
    out(`    ${e.at}  ${e.kind}${who}${extra ? `  ${extra}` : ''}`);
  }
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

interface RegisterOptions {
  channel: string;
  customer?: string;
  contactName?: string;
  contactEmail?: string;
  contactPhone?: string;
  category: string;
  severity: string;
  complexity: string;
  customerType?: string;
  summary: string;
  description?: string;
  handler?: string;
}

function registerBody(o: RegisterOptions): Record<string, unknown> {
  const contact = o.contactName !== undefined || o.contactEmail !== undefined || o.contactPhone !== undefined ? defined({ name: o.contactName, email: o.contactEmail, phone: o.contactPhone }) : undefined;
  return defined({
    channel: o.channel.toUpperCase(),
    customerId: o.customer,
    contact,
    category: o.category.toUpperCase(),
    severity: o.severity.toUpperCase(),
    complexity: o.complexity.toUpperCase(),
    customerType: o.customerType?.toUpperCase(),
    summary: o.summary,
    description: o.description,
    handlerStaffId: o.handler,
  });
}

async function importCommand(file: string, globals: GlobalOptions): Promise<number> {
  const { readFeedbackCsv, csvIssueLines } = onDemand.csv();
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const rows = readFeedbackCsv(content);
  const broken = rows.filter((r) => r.problem);
  if (broken.length) {
    for (const r of broken) process.stderr.write(`ccm: row ${r.row}: ${r.problem}\n`);
    process.stderr.write('ccm: nothing registered (the file is registered all or nothing)\n');
    return 1;
  }
  if (rows.length === 0) throw new UsageError(`${file} has a header but no rows`);
  try {
    return await withCase(
      globals,
      { temporal: true },
      (deps, actor) => onDemand.batch().registerFeedbackBatch(deps, actor, { items: rows.map((r) => r.item) }),
      (r) => {
        out(`registered ${r.registered} case${r.registered === 1 ? '' : 's'} from ${file}:`);
        for (const c of r.cases) out(`  ${c.caseNo}  department ${c.departmentCode} (rule ${c.routingRuleId})`);
      },
    );
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    for (const line of csvIssueLines(rows, err.issues)) process.stderr.write(`ccm: ${line}\n`);
    process.stderr.write('ccm: nothing registered (the file is registered all or nothing)\n');
    return 1;
  }
}

export function registerFeedbackCommands({ program, run, globalsOf }: FeedbackCommandContext): void {
  const feedback = program.command('feedback').description('feedback and complaints: register, handle, resolve (§5.2)');

  feedback
    .command('register')
    .description('register a feedback item: classified, routed to a department, its SLA process started (HOTLINE: CUSTOMER_SERVICE)')
    .requiredOption('--channel <channel>', 'HOTLINE, ONLINE or SUGGESTION_BOX')
    .option('--customer <id>', 'a known customer')
    .option('--contact-name <name>', 'someone who is not a customer: their name')
    .option('--contact-email <email>', '… their email address')
    .option('--contact-phone <phone>', '… their phone number')
    .requiredOption('--category <code>', 'a category of the policy, e.g. CARD')
    .requiredOption('--severity <code>', 'a severity of the policy, e.g. HIGH')
    .requiredOption('--complexity <c>', 'SIMPLE or COMPLEX')
    .option('--customer-type <type>', 'INDIVIDUAL or ENTERPRISE (required with --contact-name)')
    .requiredOption('--summary <text>', 'what it is about (≤ 200 characters)')
    .option('--description <text>', 'the details')
    .option('--handler <staffId>', 'assign explicitly: a member of the routed department')
    .action((o: RegisterOptions, cmd: Command) =>
      run(
        withCase(
          globalsOf(cmd),
          { temporal: true },
          (deps, actor) => onDemand.register().registerFeedback(deps, actor, registerBody(o)),
          (c) => out(`registered ${c.caseNo}: department ${c.departmentCode} (rule ${c.routingRuleId}), status ${c.status}`),
        ),
      ),
    );

  feedback
    .command('import')
    .description(`suggestion-box slips from a CSV file, all or nothing (columns: customerId | contactName, contactEmail, contactPhone; category, severity, complexity, customerType, summary, description, handlerStaffId)`)
    .argument('<file>', 'the CSV file')
    .action((file: string, _o: unknown, cmd: Command) => run(importCommand(file, globalsOf(cmd))));

  feedback
    .command('show')
    .description('one case in clear: its timeline and live state')
    .argument('<caseNo>', 'e.g. FB-2026-000123')
    .action((caseNo: string, _o: unknown, cmd: Command) => run(withCase(globalsOf(cmd), { temporal: true }, (deps, actor) => onDemand.get().getFeedback(deps, actor, caseNo), printCase)));

  feedback
    .command('list')
    .description('cases, newest first')
    .option('--status <status>', 'a case status, or OPEN')
    .option('--department <code>', 'one department’s cases')
    .option('--breached <bool>', 'true: no first response by the deadline; false: the others')
    .option('--customer <id>', 'one customer’s cases')
    .option('--cursor <cursor>', 'the next page (printed under a full page)')
    .option('--limit <n>', 'cases per page, 1–100', wholeNumber('--limit', 1, 100))
    .action((o: { status?: string; department?: string; breached?: string; customer?: string; cursor?: string; limit?: number }, cmd: Command) => {
      const query = defined({ status: o.status?.toUpperCase(), department: o.department, breached: o.breached, customerId: o.customer, cursor: o.cursor, limit: o.limit === undefined ? undefined : String(o.limit) });
      return run(
        withCase(
          globalsOf(cmd),
          { temporal: false },
          (deps, actor) => onDemand.list().listFeedback(deps, actor, query),
          (page) => {
            if (!page.items.length) out('no cases');
            else
              table(
                ['CASE', 'STATUS', 'DEPARTMENT', 'HANDLER', 'REGISTERED', 'DEADLINE', 'ESC', 'BREACHED'],
                page.items.map((c) => [c.caseNo, c.status, c.departmentCode, c.handlerStaffId ?? '-', c.registeredAt, c.targetAt ?? '-', String(c.escalationLevel), c.breached ? 'yes' : 'no']),
              );
            if (page.nextCursor) out(`more: --cursor ${page.nextCursor}`);
          },
        ),
      );
    });

  feedback
    .command('respond')
    .description('respond to the customer (emailed to them); the first response meets the deadline')
    .argument('<caseNo>')
    .requiredOption('--body <text>', 'the response')
    .action((caseNo: string, o: { body: string }, cmd: Command) =>
      run(withCase(globalsOf(cmd), { temporal: true }, (deps, actor) => onDemand.respond().respondFeedback(deps, actor, caseNo, { body: o.body }), changeLine('response recorded and sent'))),
    );

  feedback
    .command('note')
    .description('add a note to the timeline (internal: never shown or sent to the customer)')
    .argument('<caseNo>')
    .requiredOption('--body <text>', 'the note')
    .option('--no-internal', 'a note that is not internal')
    .action((caseNo: string, o: { body: string; internal: boolean }, cmd: Command) =>
      run(
        withCase(
          globalsOf(cmd),
          { temporal: false },
          (deps, actor) => onDemand.note().addFeedbackNote(deps, actor, caseNo, { body: o.body, internal: o.internal }),
          (n) => out(`${n.caseNo}: note ${n.eventId} added${n.internal ? ' (internal)' : ''}`),
        ),
      ),
    );

  feedback
    .command('pause')
    .description('the case waits on the customer: the SLA clock stops')
    .argument('<caseNo>')
    .requiredOption('--reason <text>', 'what is awaited from the customer')
    .action((caseNo: string, o: { reason: string }, cmd: Command) =>
      run(withCase(globalsOf(cmd), { temporal: true }, (deps, actor) => onDemand.pause().pauseFeedback(deps, actor, caseNo, { reason: o.reason }), changeLine('paused'))),
    );

  feedback
    .command('resume')
    .description('the customer answered: the SLA clock runs again')
    .argument('<caseNo>')
    .requiredOption('--reason <text>', 'why')
    .action((caseNo: string, o: { reason: string }, cmd: Command) =>
      run(withCase(globalsOf(cmd), { temporal: true }, (deps, actor) => onDemand.resume().resumeFeedback(deps, actor, caseNo, { reason: o.reason }), changeLine('resumed'))),
    );

  feedback
    .command('reassign')
    .description('to another handler and/or department (SUPERVISOR, ADMIN)')
    .argument('<caseNo>')
    .option('--to <staffId>', 'the new handler (a member of the department who handles feedback)')
    .option('--department <code>', 'the new department (without --to: its least-loaded member)')
    .requiredOption('--reason <text>', 'why')
    .action((caseNo: string, o: { to?: string; department?: string; reason: string }, cmd: Command) =>
      run(
        withCase(
          globalsOf(cmd),
          { temporal: true },
          (deps, actor) => onDemand.reassign().reassignFeedback(deps, actor, caseNo, defined({ toStaffId: o.to, departmentCode: o.department, reason: o.reason })),
          changeLine('reassigned'),
        ),
      ),
    );

  feedback
    .command('reclassify')
    .description('correct the classification; the SLA is recomputed')
    .argument('<caseNo>')
    .option('--category <code>', 'a category of the policy')
    .option('--severity <code>', 'a severity of the policy')
    .option('--complexity <c>', 'SIMPLE or COMPLEX')
    .option('--customer-type <type>', 'INDIVIDUAL or ENTERPRISE')
    .requiredOption('--reason <text>', 'why')
    .action((caseNo: string, o: { category?: string; severity?: string; complexity?: string; customerType?: string; reason: string }, cmd: Command) =>
      run(
        withCase(
          globalsOf(cmd),
          { temporal: true },
          (deps, actor) =>
            onDemand.reclassify().reclassifyFeedback(
              deps,
              actor,
              caseNo,
              defined({ category: o.category?.toUpperCase(), severity: o.severity?.toUpperCase(), complexity: o.complexity?.toUpperCase(), customerType: o.customerType?.toUpperCase(), reason: o.reason }),
            ),
          (r) => (r.changed ? changeLine('reclassified')(r) : out(`${r.caseNo}: unchanged (it has that classification already)`)),
        ),
      ),
    );

  feedback
    .command('resolve')
    .description('resolve the case: the resolution goes to the customer with the satisfaction survey link')
    .argument('<caseNo>')
    .requiredOption('--resolution <text>', 'how it was resolved, as the customer reads it')
    .action((caseNo: string, o: { resolution: string }, cmd: Command) =>
      run(withCase(globalsOf(cmd), { temporal: true }, (deps, actor) => onDemand.resolve().resolveFeedback(deps, actor, caseNo, { resolution: o.resolution }), changeLine('resolved'))),
    );
}
