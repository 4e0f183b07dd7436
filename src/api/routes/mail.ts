import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../shared/errors';
import { requireRoles, rolesNote } from '../authentication';

/** Who may read the sink: what was sent includes customer names and addresses (§3.1). */
export const MAIL_ROLES = ['ADMIN', 'SUPERVISOR'] as const;

/** What the embedded SMTP sink exposes (src/embedded/smtp-sink.ts). */
export interface MailboxReader {
  list(): Promise<unknown[]>;
  read(id: string): Promise<{ summary: unknown; raw: string } | undefined>;
}

/** GET /mail, GET /mail/:id: the messages the local SMTP sink received (only with the embedded sink). */
export const mailRoutes =
  (mailbox: MailboxReader): FastifyPluginAsync =>
  async (app) => {
    app.addHook('preHandler', requireRoles(...MAIL_ROLES));
    app.get('/mail', { schema: { tags: ['operations'], summary: 'Messages in the local SMTP sink, newest first', description: rolesNote(MAIL_ROLES) } }, async () => ({
      messages: await mailbox.list(),
    }));
    app.get<{ Params: { id: string } }>(
      '/mail/:id',
      { schema: { tags: ['operations'], summary: 'One message from the local SMTP sink (raw RFC 822 under `raw`)', description: rolesNote(MAIL_ROLES) } },
      async (req) => {
        const message = await mailbox.read(req.params.id);
        if (!message) throw new NotFoundError(`message ${req.params.id} is not in the sink`);
        return message;
      },
    );
  };
