import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createStaff, createStaffInput, getStaff } from '../../staff/create-staff';
import { issueApiKeyInput, issueStaffApiKey, listStaffApiKeys, revokeStaffApiKey } from '../../staff/api-keys';
import { systemClock } from '../../shared/clock';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

/**
 * §3.1: only an ADMIN registers staff (and so grants roles); any authenticated staff member may look one up.
 * A staff member's API keys (issue 13, src/staff/api-keys.ts): an ADMIN issues (the key in the answer,
 * once), lists (never the key) and revokes them.
 */
export const staffRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const now = () => (deps.clock ?? systemClock).now();
    const keyDeps = { db: deps.db, policy: deps.policy };
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
    app.post<{ Params: { id: string } }>(
      '/staff/:id/keys',
      {
        preHandler: requireRoles('ADMIN'),
        schema: {
          tags: ['staff'],
          summary: "Issue an API key for a staff member: the key is in this answer only (201)",
          description: `${rolesNote(['ADMIN'])} \`expiresIn\`: 90d, 12h or P90D; default and maximum from the policy (security.apiKeys).`,
          body: z.toJSONSchema(issueApiKeyInput),
        },
      },
      async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await issueStaffApiKey(keyDeps, actorOf(req), req.params.id, req.body ?? {}, now())),
    );
    app.get<{ Params: { id: string } }>(
      '/staff/:id/keys',
      { preHandler: requireRoles('ADMIN'), schema: { tags: ['staff'], summary: "A staff member's API keys (status, expiry, last use; never the key)", description: rolesNote(['ADMIN']) } },
      async (req) => listStaffApiKeys(keyDeps, actorOf(req), req.params.id, now()),
    );
    app.delete<{ Params: { id: string; keyId: string } }>(
      '/staff/:id/keys/:keyId',
      { preHandler: requireRoles('ADMIN'), schema: { tags: ['staff'], summary: 'Revoke an API key at once (a revoked key stays revoked)', description: rolesNote(['ADMIN']) } },
      async (req) => revokeStaffApiKey(keyDeps, actorOf(req), req.params.id, req.params.keyId, now()),
    );
  };
