/**
 * Activity options shared by the workflows (issue 7).
 * - RECORD: database writes; quick, retried with backoff while the database is away. A data error
 *   that no retry can fix is non-retryable (activities/index.ts) and reaches the workflow at once.
 * - LOCAL_RECORD / LOCAL_EMAIL: the same as local activities (issue 8): run by the worker within the
 *   workflow task that needs them, their result a marker in the history — no activity task to
 *   schedule, dispatch and report, half the workflow tasks. For the steps that run for every
 *   customer at once (a lifecycle's start, a review burst). A local activity does not heartbeat: a
 *   worker killed mid-send is noticed when the workflow task times out (10 s), and the step runs again
 *   on another worker, its email still sent once (notification key and lease).
 * - EMAIL: sends. The start-to-close timeout is longer than the mailer's SMTP timeouts added up
 *   (110 s, src/mail/mailer.ts) and shorter than the notification lease (5 min,
 *   activities/notifications.ts); the send heartbeats every second, so a worker killed mid-send is
 *   noticed after HEARTBEAT and the email retried within seconds, not after the start-to-close timeout.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;

export const RECORD: ActivityOptions = { startToCloseTimeout: '1 minute', retry };

export const EMAIL: ActivityOptions = { startToCloseTimeout: '3 minutes', heartbeatTimeout: '10 seconds', retry };

export const LOCAL_RECORD: LocalActivityOptions = { startToCloseTimeout: '1 minute', retry };

export const LOCAL_EMAIL: LocalActivityOptions = { startToCloseTimeout: '3 minutes', retry };
