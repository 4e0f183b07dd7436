/** The audit log (policy ../shared/policy.md §3.1: every access to and change of customer data is recorded). */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AUDIT_READ_ROLES, listAudit, listAuditQuery } from '../../audit/list-audit';
import { actorOf, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

export const auditRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit records, newest first (filter by customerId, actorStaffId, action; page with before)',
          description: `${rolesNote(AUDIT_READ_ROLES)} At most 500 per call (limit, default 100); ids are strings. Sensitive values appear only as "changed".`,
          querystring: z.toJSONSchema(listAuditQuery, { io: 'input' }),
        },
      },
      async (req, reply) => reply.header('cache-control', 'no-store').send(await listAudit(deps.db, actorOf(req), req.query, { requestId: req.id })),
    );
  };
