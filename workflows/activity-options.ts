/**
 * Activity options shared by the workflows (issue 7).
 * - RECORD: database writes; quick, retried with backoff while the database is away. A data error
 *   that no retry can fix is non-retryable (activities/index.ts) and reaches the workflow at once.
 * - EMAIL: sends. The start-to-close timeout is longer than the mailer's SMTP timeouts added up
 *   (110 s, src/mail/mailer.ts) and shorter than the notification lease (5 min,
 *   activities/notifications.ts); the send heartbeats every second, so a worker killed mid-send is
 *   noticed after HEARTBEAT and the email retried within seconds, not after the start-to-close timeout.
 */
import type { ActivityOptions } from '@temporalio/workflow';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;

export const RECORD: ActivityOptions = { startToCloseTimeout: '1 minute', retry };

export const EMAIL: ActivityOptions = { startToCloseTimeout: '3 minutes', heartbeatTimeout: '10 seconds', retry };
