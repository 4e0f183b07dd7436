/**
 * `ccm` commands of the customer lifecycle (§3.2 periodic reviews, §5.1 regular contact) and of staff
 * tasks, registered by src/cli/ccm.ts:
 *
 *   ccm lifecycle ensure [--customer <id>] [--last-review <date>]   start the missing lifecycles (ADMIN)
 *   ccm reviews periodic [--status …] [--manager …]                 the periodic reviews
 *   ccm reviews complete <customerId> --basic-data … --financial-situation … --changed-needs … [--version n]
 *   ccm customers close <id> --reason …                             the customer leaves
 *   ccm tasks [--status …] [--kind …] [--assignee …]                my tasks
 *   ccm tasks reassign <taskId> --to <staffId> --reason …          an open task to someone else (SUPERVISOR, ADMIN; issue 12)
 *
 * The same use cases as the API (src/lifecycle/, src/tasks/); the actor is `--as` / CCM_STAFF_ID.
 */
import { Option, type Command } from 'commander';
import { systemClock } from '../shared/clock';
import { log, out, printJson, Session, UsageError, wholeNumber, type GlobalOptions } from './session';

// The use cases import the workflow definitions and the Temporal SDK: loaded by the commands that run them.
import type * as EnsureModule from '../lifecycle/ensure-lifecycles';
import type * as CompleteReviewModule from '../lifecycle/complete-review';
import type * as CloseModule from '../lifecycle/close-customer';
import type * as PeriodicModule from '../lifecycle/list-periodic-reviews';
import type * as ListTasksModule from '../tasks/list-tasks';
import type * as ReassignTaskModule from '../tasks/reassign-task';
/* eslint-disable @typescript-eslint/no-require-imports */
const onDemand = {
  ensure: () => require('../lifecycle/ensure-lifecycles') as typeof EnsureModule,
  completeReview: () => require('../lifecycle/complete-review') as typeof CompleteReviewModule,
  close: () => require('../lifecycle/close-customer') as typeof CloseModule,
  periodic: () => require('../lifecycle/list-periodic-reviews') as typeof PeriodicModule,
  listTasks: () => require('../tasks/list-tasks') as typeof ListTasksModule,
  reassignTask: () => require('../tasks/reassign-task') as typeof ReassignTaskModule,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface CommandContext {
  program: Command;
  /** The existing `ccm customers` and `ccm reviews` groups, which these commands join. */
  customers: Command;
  reviews: Command;
  run: (work: Promise<number>) => Promise<void>;
  globalsOf: (cmd: Command) => GlobalOptions;
}

/** Rows as aligned columns (the last column unpadded). */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

/** Gives up waiting for a workflow's answer after `seconds` (no worker polling, or its effects still retrying). */
async function withinSeconds<T>(seconds: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer from ${what} within ${seconds} s: is a worker polling its task queue?`), { name: 'NoAnswerError' })), seconds * 1000);
  });
  return Promise.race([work, noAnswer]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// lifecycle ensure
// ---------------------------------------------------------------------------------------------

async function ensureCommand(options: { customer?: string; lastReview?: string }, globals: GlobalOptions): Promise<number> {
  if (options.lastReview !== undefined && options.customer === undefined) throw new UsageError('--last-review needs --customer: it is one migrated customer’s last review');
  const session = new Session(8);
  try {
    const actor = await session.actor(globals);
    const temporal = await session.temporal();
    const { ensureLifecycles } = onDemand.ensure();
    const result = await ensureLifecycles(
      { db: session.db, temporal, taskQueue: session.env.TASK_QUEUE, policy: session.policy, clock: systemClock },
      actor,
      { ...(options.customer !== undefined ? { customerId: options.customer } : {}), ...(options.lastReview !== undefined ? { lastReviewAt: options.lastReview } : {}) },
    );
    if (globals.json) printJson(result);
    else {
      for (const id of result.started) log(`started customer-${id}`);
      for (const s of result.skipped) out(`skipped ${s.customerId}: ${s.reason}`);
      out(`lifecycles: ${result.started.length} started, ${result.alreadyRunning} already running, ${result.skipped.length} skipped`);
      if (options.lastReview !== undefined && result.alreadyRunning) out('--last-review not applied: the lifecycle is already running and keeps its plan');
    }
    return result.skipped.length ? 1 : 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// reviews periodic, reviews complete
// ---------------------------------------------------------------------------------------------

interface PeriodicOptions {
  status?: string;
  manager?: string;
  dueBefore?: string;
  pageSize?: string;
  cursor?: string;
}

async function periodicCommand(options: PeriodicOptions, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const { listPeriodicReviews } = onDemand.periodic();
    const query = {
      ...(options.status !== undefined ? { status: options.status.toUpperCase() } : {}),
      ...(options.manager !== undefined ? { managerId: options.manager } : {}),
      ...(options.dueBefore !== undefined ? { dueBefore: options.dueBefore } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    };
    const page = await listPeriodicReviews({ db: session.db, policy: session.policy, clock: systemClock }, actor, query);
    if (globals.json) {
      printJson(page);
      return 0;
    }
    if (!page.items.length) out('no periodic reviews');
    else {
      table(
        ['CUSTOMER', 'STATUS', 'DUE', 'OVERDUE AT', 'ASSIGNEE', 'TASK'],
        page.items.map((r) => [r.customerId ?? '', r.reviewStatus, r.dueAt, r.overdueAt ?? '', r.assigneeStaffId ?? `team ${r.team ?? '?'}`, r.id]),
      );
    }
    if (page.nextCursor) out(`more: --cursor ${page.nextCursor}`);
    return 0;
  } finally {
    await session.close();
  }
}

interface CompleteOptions {
  basicData: string;
  financialSituation: string;
  changedNeeds: string;
  version?: number;
  wait: number;
}

async function completeReviewCommand(customerId: string, options: CompleteOptions, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const temporal = await session.temporal();
    const { completeReview } = onDemand.completeReview();
    const body = {
      findings: { basicData: options.basicData, financialSituation: options.financialSituation, changedNeeds: options.changedNeeds },
      ...(options.version !== undefined ? { version: options.version } : {}),
    };
    const deps = { db: session.db, temporal, ring: session.ring, policy: session.policy, clock: systemClock, log };
    const done = await withinSeconds(options.wait, `customer-${customerId}`, completeReview(deps, actor, customerId, body));
    if (globals.json) printJson(done);
    else out(`${customerId}: review ${done.taskId} completed by ${actor.staffId} (review ${done.cycle} since approval); next review due ${done.nextReviewAt}`);
    return 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// customers close
// ---------------------------------------------------------------------------------------------

async function closeCommand(customerId: string, options: { reason: string }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    // The record closes without Temporal; the lifecycle is told when Temporal answers.
    const temporal = await session.temporalIfUp('the lifecycle ends at its next step');
    const { closeCustomer } = onDemand.close();
    const closed = await closeCustomer({ db: session.db, ...(temporal ? { temporal } : {}), clock: systemClock, log }, actor, customerId, { reason: options.reason });
    if (globals.json) printJson(closed);
    else {
      out(`${customerId}: CLOSED by ${actor.staffId} (reason: ${closed.reason}); ${closed.tasksCancelled.length} open task(s) cancelled; lifecycle ${closed.lifecycle}`);
    }
    return 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// tasks
// ---------------------------------------------------------------------------------------------

interface TasksOptions {
  status?: string;
  kind?: string;
  assignee?: string;
  dueBefore?: string;
  pageSize?: string;
  cursor?: string;
}

async function tasksCommand(options: TasksOptions, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    const { listTasks } = onDemand.listTasks();
    const query = {
      ...(options.status !== undefined ? { status: options.status.toUpperCase() } : {}),
      ...(options.kind !== undefined ? { kind: options.kind.toUpperCase() } : {}),
      ...(options.assignee !== undefined ? { assignee: options.assignee } : {}),
      ...(options.dueBefore !== undefined ? { dueBefore: options.dueBefore } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    };
    const page = await listTasks({ db: session.db, policy: session.policy, clock: systemClock }, actor, query);
    if (globals.json) {
      printJson(page);
      return 0;
    }
    if (!page.items.length) out(`no tasks for ${page.assignee}`);
    else {
      table(
        ['TASK', 'KIND', 'STATUS', 'DUE', 'FOR', 'SUBJECT'],
        page.items.map((t) => [t.id, t.kind, t.status, t.dueAt, t.assigneeStaffId ?? `team ${t.team ?? '?'}`, t.subject]),
      );
    }
    if (page.nextCursor) out(`more: --cursor ${page.nextCursor}`);
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * Issue 12: a supervisor gives an open task to another suitable staff member (src/tasks/reassign-task.ts,
 * as POST /tasks/:id/reassign): its reminders still to come follow it, the new assignee is emailed.
 */
async function reassignTaskCommand(taskId: string, options: { to: string; reason: string; wait: number }, globals: GlobalOptions): Promise<number> {
  const session = new Session();
  try {
    const actor = await session.actor(globals);
    // The notice's workflow starts after the commit (the API's outbox reconciler starts it if this cannot); a feedback case's task goes through its workflow.
    const temporal = await session.temporal();
    const { reassignTask } = onDemand.reassignTask();
    const deps = { db: session.db, temporal, taskQueue: session.env.TASK_QUEUE, policy: session.policy, ring: session.ring, clock: systemClock };
    const task = await withinSeconds(options.wait, `task ${taskId}`, reassignTask(deps, actor, taskId, { toStaffId: options.to, reason: options.reason }));
    if (globals.json) printJson(task);
    else out(`${task.id}: reassigned to ${task.assigneeStaffId ?? '?'} by ${actor.staffId} (${task.kind}, ${task.status}, due ${task.dueAt})`);
    return 0;
  } finally {
    await session.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

export function registerLifecycleCommands({ program, customers, reviews, run, globalsOf }: CommandContext): void {
  const lifecycle = program.command('lifecycle').description("customers' lifecycles: periodic reviews (§3.2) and regular contact (§5.1)");
  lifecycle
    .command('ensure')
    .description('start the lifecycle of every APPROVED customer that has none running (idempotent; ADMIN)')
    .option('--customer <id>', 'only this customer')
    .option('--last-review <date>', "with --customer: a migrated customer's last completed review (YYYY-MM-DD or ISO instant, not in the future); its next review is counted from it")
    .action((options: { customer?: string; lastReview?: string }, cmd: Command) => run(ensureCommand(options, globalsOf(cmd))));

  reviews
    .command('periodic')
    .description('periodic reviews (§3.2), earliest due first; default the open ones (DUE and OVERDUE)')
    .option('--status <status>', 'DUE, OVERDUE, COMPLETED or CANCELLED')
    .option('--manager <staffId>', 'assigned to this staff member')
    .option('--due-before <date>', 'due before this date (YYYY-MM-DD, bank time zone) or instant')
    .option('--page-size <n>', 'at most this many (1–100)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action((options: PeriodicOptions, cmd: Command) => run(periodicCommand(options, globalsOf(cmd))));
  reviews
    .command('complete')
    .description("complete a customer's open periodic review with its findings (§3.2)")
    .argument('<customerId>')
    .requiredOption('--basic-data <text>', 'what was reviewed of the basic data')
    .requiredOption('--financial-situation <text>', 'what was reviewed of the financial situation')
    .requiredOption('--changed-needs <text>', 'what was found about changed needs')
    .addOption(new Option('--version <n>', 'the customer version you read (refused if it changed since)').argParser(wholeNumber('--version', 1, 999_999_999)))
    .addOption(new Option('--wait <seconds>', 'give up waiting for the answer after this long').argParser(wholeNumber('--wait', 1, 3600)).default(60))
    .action((customerId: string, options: CompleteOptions, cmd: Command) => run(completeReviewCommand(customerId, options, globalsOf(cmd))));

  customers
    .command('close')
    .description('the customer leaves: record CLOSED, open tasks cancelled, lifecycle ended (SUPERVISOR, ADMIN, or its RELATIONSHIP_MANAGER)')
    .argument('<id>', 'customer id')
    .requiredOption('--reason <text>', 'why the customer left')
    .action((id: string, options: { reason: string }, cmd: Command) => run(closeCommand(id, options, globalsOf(cmd))));

  const tasks = program
    .command('tasks')
    .description('my tasks: assigned to me or to a team I belong to, earliest due first (OPEN by default)')
    .option('--status <status>', 'OPEN, OVERDUE, DONE, CANCELLED or MISSED')
    .option('--kind <kind>', 'PERIODIC_REVIEW, RELATIONSHIP_MEETING or CUSTOMER_CONTACT')
    .option('--assignee <staffId>', "another staff member's tasks (SUPERVISOR, ADMIN)")
    .option('--due-before <date>', 'due before this date (YYYY-MM-DD, bank time zone) or instant')
    .option('--page-size <n>', 'at most this many (1–100)')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action((options: TasksOptions, cmd: Command) => run(tasksCommand(options, globalsOf(cmd))));
  tasks
    .command('reassign')
    .description('give an open task to another suitable staff member; its reminders still to come follow it (SUPERVISOR, ADMIN; issue 12)')
    .argument('<taskId>', 'task id, e.g. review:cus_…:2')
    .requiredOption('--to <staffId>', 'the new assignee (a RELATIONSHIP_MANAGER who looks after the customer or a team member for reviews, meetings and contacts; a RISK_OFFICER for §6.2 tasks)')
    .requiredOption('--reason <text>', 'why (1–500 characters)')
    .addOption(new Option('--wait <seconds>', 'give up waiting for the answer after this long').argParser(wholeNumber('--wait', 1, 3600)).default(60))
    .action((taskId: string, options: { to: string; reason: string; wait: number }, cmd: Command) => run(reassignTaskCommand(taskId, options, globalsOf(cmd))));
}
