import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createStaff, createStaffInput, getStaff } from '../../staff/create-staff';
import type { ApiDeps } from '../server';

export const staffRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.post(
      '/staff',
      { schema: { tags: ['staff'], summary: 'Register a staff member', body: z.toJSONSchema(createStaffInput) } },
      async (req, reply) => reply.code(201).send(await createStaff(deps.db, req.body)),
    );
    app.get<{ Params: { id: string } }>(
      '/staff/:id',
      { schema: { tags: ['staff'], summary: 'A staff member' } },
      async (req) => getStaff(deps.db, req.params.id),
    );
  };
