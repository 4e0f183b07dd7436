import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createStaff, createStaffInput, getStaff } from '../../staff/create-staff';
import { requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

/** §3.1: only an ADMIN registers staff (and so grants roles); any authenticated staff member may look one up. */
export const staffRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.post(
      '/staff',
      {
        preHandler: requireRoles('ADMIN'),
        schema: { tags: ['staff'], summary: 'Register a staff member', description: rolesNote(['ADMIN']), body: z.toJSONSchema(createStaffInput) },
      },
      async (req, reply) => reply.code(201).send(await createStaff(deps.db, req.body)),
    );
    app.get<{ Params: { id: string } }>(
      '/staff/:id',
      { schema: { tags: ['staff'], summary: 'A staff member', description: rolesNote('any') } },
      async (req) => getStaff(deps.db, req.params.id),
    );
  };
