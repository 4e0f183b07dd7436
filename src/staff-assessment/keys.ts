/** §7.2 business keys: the guidance task and reminder of a manager for a period, and a result's notification. */
export const guidanceTaskId = (period: string, managerId: string) => `staff-guidance:${period}:${managerId}`;
export const guidanceReminderKey = (period: string, managerId: string) => `staff-guidance:${period}:${managerId}`;
export const resultNotificationKey = (period: string, staffId: string) => `staff-assessment-result:${period}:${staffId}`;
