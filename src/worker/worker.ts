/**
 * The worker: runs the workflows in workflows/ and the activities built by createActivities with
 * their dependencies injected. On shutdown it stops polling and lets running activities finish
 * (up to shutdownGraceTime) before it resolves: no activity is cut half-way.
 */
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';

export const WORKFLOWS_PATH = path.resolve(__dirname, '..', '..', 'workflows');

export interface WorkerSetup {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  shutdownGraceSeconds?: number;
  /** A prebuilt workflow bundle (tests build it once); default: bundle workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** §3.1: the payload codec that encrypts every payload (src/temporal/codec.ts). */
  dataConverter?: DataConverter;
  /** A connection already made (src/worker/main.ts waits for Temporal with it); default: connect to `address`. */
  connection?: NativeConnection;
}

export async function createWorker(setup: WorkerSetup): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = setup.connection ?? (await NativeConnection.connect({ address: setup.address }));
  const worker = await Worker.create({
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    // Activities that start workflows (the lifecycle hand-off) use a client on the worker's own connection and codec.
    activities: createActivities({
      ...setup.deps,
      temporal: setup.deps.temporal ?? new Client({ connection, namespace: setup.namespace, ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}) }),
    }),
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: `${setup.shutdownGraceSeconds ?? 30} seconds`,
    ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
  });
  return { worker, connection };
}
