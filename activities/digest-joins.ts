/**
 * Joining a staff digest (§3.2, workflows/staff-digest.ts) with one signal-with-start per digest
 * *in flight*, not one per reminder: a relationship manager with forty reviews due in the same minute
 * has forty activities joining the same digest at about the same time. The first join sends its
 * signal at once; the joins that arrive while that signal is on its way wait and go together in the
 * next one (`{ reminderKeys: [...] }`). No window, no timer: a lone join is sent without delay, and
 * under a burst the number of signals per digest follows the server's round trip, not the number of
 * reviews (issue 8's due burst: 10,000 reviews in a minute).
 *
 * Each join resolves only once the signal carrying its key has been accepted by Temporal (or rejects
 * with that signal's error), so the activity that joined completes only when its reminder is safely
 * in the digest: a retry joins again, and the digest ignores keys it already holds.
 *
 * One joiner per Temporal client (the worker has one), shared by every activity factory.
 */
import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { joinDigestSignal, staffDigest, type StaffDigestInput } from '../workflows/staff-digest';

export interface DigestJoin {
  workflowId: string;
  taskQueue: string;
  input: StaffDigestInput;
  staticSummary: string;
  reminderKey: string;
}

interface Waiting {
  join: DigestJoin;
  settle: { resolve: () => void; reject: (err: unknown) => void };
}

export interface DigestJoiner {
  join(join: DigestJoin): Promise<void>;
  /** Signals sent so far (each carries one or more reminders): for the benchmark's figures and tests. */
  readonly signalsSent: number;
}

const joiners = new WeakMap<Client, DigestJoiner>();

export function digestJoinerFor(client: Client): DigestJoiner {
  let joiner = joiners.get(client);
  if (!joiner) {
    joiner = createDigestJoiner(client);
    joiners.set(client, joiner);
  }
  return joiner;
}

export function createDigestJoiner(client: Client): DigestJoiner {
  /** Per digest workflow id: the joins waiting for the signal in flight to come back. */
  const waiting = new Map<string, Waiting[]>();
  const inFlight = new Set<string>();
  let signalsSent = 0;

  async function send(workflowId: string, batch: Waiting[]): Promise<void> {
    inFlight.add(workflowId);
    const { join } = batch[0]!;
    try {
      await client.workflow.signalWithStart(staffDigest, {
        workflowId,
        taskQueue: join.taskQueue,
        args: [join.input],
        signal: joinDigestSignal,
        signalArgs: [{ reminderKeys: [...new Set(batch.map((w) => w.join.reminderKey))] }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: join.staticSummary,
      });
      signalsSent += 1;
      for (const w of batch) w.settle.resolve();
    } catch (err) {
      for (const w of batch) w.settle.reject(err);
    } finally {
      inFlight.delete(workflowId);
      const next = waiting.get(workflowId);
      if (next?.length) {
        waiting.delete(workflowId);
        void send(workflowId, next);
      }
    }
  }

  return {
    join(join: DigestJoin): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const w: Waiting = { join, settle: { resolve, reject } };
        if (inFlight.has(join.workflowId)) {
          const queue = waiting.get(join.workflowId) ?? [];
          queue.push(w);
          waiting.set(join.workflowId, queue);
        } else {
          void send(join.workflowId, [w]);
        }
      });
    },
    get signalsSent() {
      return signalsSent;
    },
  };
}
