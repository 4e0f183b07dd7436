/**
 * §5.2 departments (where feedback is routed, whose head a missed deadline escalates to, whose members
 * handle cases) and the executive-on-duty rota (who the escalation after the deadline goes to). The
 * use cases (src/departments/) check roles and input and write each change with its audit record.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { createDepartment, createDepartmentInput } from '../../departments/create-department';
import { deactivateDepartment, deactivateDepartmentInput } from '../../departments/deactivate-department';
import { getDepartment, listDepartments, listDepartmentsQuery } from '../../departments/list-departments';
import { reactivateDepartment, reactivateDepartmentInput } from '../../departments/reactivate-department';
import { removeDepartmentMember } from '../../departments/remove-department-member';
import { DEPARTMENT_ADMIN_ROLES, DEPARTMENT_MEMBER_ROLES } from '../../departments/repository';
import { setDepartmentMember, setDepartmentMemberInput } from '../../departments/set-department-member';
import { updateDepartment, updateDepartmentInput } from '../../departments/update-department';
import { createShift, createShiftInput } from '../../departments/create-shift';
import { deleteShift } from '../../departments/delete-shift';
import { endShift, endShiftInput } from '../../departments/end-shift';
import { listShifts, listShiftsQuery } from '../../departments/list-shifts';
import { onDuty, onDutyQuery } from '../../departments/on-duty';
import { EXECUTIVE_ROLE, FALLBACK_NOTE, MAX_SHIFT_DAYS, ROTA_ROLES } from '../../departments/rota';
import { bankTimeZone } from '../../policy/policy';
import { systemClock } from '../../shared/clock';
import { actorOf, requireRoles, rolesNote } from '../authentication';
import type { ApiDeps } from '../server';

const doc = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' });
const codeParam = { code: { type: 'string', description: 'department code, e.g. CARDS' } } as const;
const codeParams = { type: 'object', properties: codeParam, required: ['code'] } as const;
const memberParams = { type: 'object', properties: { ...codeParam, staffId: { type: 'string', description: 'staff id' } }, required: ['code', 'staffId'] } as const;
const shiftParams = { type: 'object', properties: { id: { type: 'string', description: 'rota shift id (a UUID)' } }, required: ['id'] } as const;

export const departmentRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const useCaseDeps = { ...deps, clock: deps.clock ?? systemClock };
    const timeZone = bankTimeZone(deps.policy);

    app.get(
      '/departments',
      {
        schema: {
          tags: ['departments'],
          summary: 'The departments feedback is routed to (§5.2): head, members with their open-case load, open cases; by code',
          description: `${rolesNote('any')} includeInactive=true also lists the inactive ones. A member's openCases counts their OPEN FEEDBACK_CASE tasks (all departments).`,
          querystring: doc(listDepartmentsQuery),
        },
      },
      async (req) => listDepartments(useCaseDeps, actorOf(req), req.query),
    );

    app.post(
      '/departments',
      {
        preHandler: requireRoles(...DEPARTMENT_ADMIN_ROLES),
        config: { idempotent: true },
        schema: {
          tags: ['departments'],
          summary: 'Create a department with its head (the escalation target at a case’s SLA deadline)',
          description: `${rolesNote(DEPARTMENT_ADMIN_ROLES)} 201 with the department; 400 naming the field (headStaffId: an active staff member); 409 when the code exists. Audited (department.create).`,
          body: doc(createDepartmentInput),
        },
      },
      async (req, reply) => reply.code(201).send(await createDepartment(useCaseDeps, actorOf(req), req.body, { requestId: req.id })),
    );

    app.get<{ Params: { code: string } }>(
      '/departments/:code',
      { schema: { tags: ['departments'], summary: 'One department, with its head, members and open-case load', description: `${rolesNote('any')} 404 when unknown.`, params: codeParams } },
      async (req) => getDepartment(useCaseDeps, actorOf(req), req.params.code),
    );

    app.patch<{ Params: { code: string } }>(
      '/departments/:code',
      {
        preHandler: requireRoles(...DEPARTMENT_ADMIN_ROLES),
        schema: {
          tags: ['departments'],
          summary: 'Rename a department or set its head',
          description: `${rolesNote(DEPARTMENT_ADMIN_ROLES)} name and/or headStaffId (an active staff member). Audited (department.update) when something changed.`,
          params: codeParams,
          body: doc(updateDepartmentInput),
        },
      },
      async (req) => updateDepartment(useCaseDeps, actorOf(req), req.params.code, req.body, { requestId: req.id }),
    );

    app.post<{ Params: { code: string } }>(
      '/departments/:code/deactivate',
      {
        preHandler: requireRoles(...DEPARTMENT_ADMIN_ROLES),
        schema: {
          tags: ['departments'],
          summary: 'A department stops taking feedback (kept for history; routing and assignment skip it)',
          description: `${rolesNote(DEPARTMENT_ADMIN_ROLES)} reason required. 409 when inactive already, or while it has cases still needing work (named). Audited (department.deactivate).`,
          params: codeParams,
          body: doc(deactivateDepartmentInput),
        },
      },
      async (req) => deactivateDepartment(useCaseDeps, actorOf(req), req.params.code, req.body, { requestId: req.id }),
    );

    app.post<{ Params: { code: string } }>(
      '/departments/:code/reactivate',
      {
        preHandler: requireRoles(...DEPARTMENT_ADMIN_ROLES),
        schema: {
          tags: ['departments'],
          summary: 'An inactive department takes feedback again',
          description: `${rolesNote(DEPARTMENT_ADMIN_ROLES)} reason required. 409 when active already, or when its head is inactive (set a new head first). Audited (department.reactivate).`,
          params: codeParams,
          body: doc(reactivateDepartmentInput),
        },
      },
      async (req) => reactivateDepartment(useCaseDeps, actorOf(req), req.params.code, req.body, { requestId: req.id }),
    );

    app.put<{ Params: { code: string; staffId: string } }>(
      '/departments/:code/members/:staffId',
      {
        preHandler: requireRoles(...DEPARTMENT_MEMBER_ROLES),
        schema: {
          tags: ['departments'],
          summary: 'Add a member to a department, or change whether they handle feedback (idempotent)',
          description:
            `${rolesNote(DEPARTMENT_MEMBER_ROLES)} handlesFeedback (default true): members who do are assigned the department’s cases, least-loaded first. ` +
            '201 `{ change: "ADDED", member }`; 200 UPDATED or UNCHANGED (nothing written). 404 unknown department or staff member; 409 an inactive department or staff member. ' +
            'Audited (department.member.add / department.member.update).',
          params: memberParams,
          body: doc(setDepartmentMemberInput),
        },
      },
      async (req, reply) => {
        const done = await setDepartmentMember(useCaseDeps, actorOf(req), req.params.code, req.params.staffId, req.body, { requestId: req.id });
        return reply.code(done.change === 'ADDED' ? 201 : 200).send(done);
      },
    );

    app.delete<{ Params: { code: string; staffId: string } }>(
      '/departments/:code/members/:staffId',
      {
        preHandler: requireRoles(...DEPARTMENT_MEMBER_ROLES),
        schema: {
          tags: ['departments'],
          summary: 'Remove a member from a department (the cases they hold stay theirs until reassigned)',
          description: `${rolesNote(DEPARTMENT_MEMBER_ROLES)} 200 \`{ removed: true, openCasesStillAssigned }\`; 404 when not a member. Audited (department.member.remove).`,
          params: memberParams,
        },
      },
      async (req) => removeDepartmentMember(useCaseDeps, actorOf(req), req.params.code, req.params.staffId, { requestId: req.id }),
    );

    app.get(
      '/rota/shifts',
      {
        schema: {
          tags: ['rota'],
          summary: 'The executive-on-duty rota: shifts overlapping a window, earliest first',
          description: `${rolesNote('any')} from, to: YYYY-MM-DD (start of that day, bank time zone) or an ISO instant; default from now for 31 days; at most 366 days. staffId: one executive’s shifts.`,
          querystring: doc(listShiftsQuery(timeZone)),
        },
      },
      async (req) => listShifts(useCaseDeps, actorOf(req), req.query),
    );

    app.post(
      '/rota/shifts',
      {
        preHandler: requireRoles(...ROTA_ROLES),
        config: { idempotent: true },
        schema: {
          tags: ['rota'],
          summary: 'Put an executive on duty for [startsAt, endsAt)',
          description:
            `${rolesNote(ROTA_ROLES)} staffId: an active staff member with the ${EXECUTIVE_ROLE} role; startsAt, endsAt: ISO instants with a zone, ends after it starts, ` +
            `at most ${MAX_SHIFT_DAYS} days, not starting in the past. 201 with the shift; 409 naming the shift it overlaps (shifts may touch). Audited (rota.shift.create).`,
          body: doc(createShiftInput),
        },
      },
      async (req, reply) => reply.code(201).send(await createShift(useCaseDeps, actorOf(req), req.body, { requestId: req.id })),
    );

    app.delete<{ Params: { id: string } }>(
      '/rota/shifts/:id',
      {
        preHandler: requireRoles(...ROTA_ROLES),
        schema: {
          tags: ['rota'],
          summary: 'Take a shift that has not started off the rota',
          description: `${rolesNote(ROTA_ROLES)} 200 \`{ deleted }\`; 404 unknown; 409 once it has started (the record of who was on duty: end it early instead). Audited (rota.shift.delete).`,
          params: shiftParams,
        },
      },
      async (req) => deleteShift(useCaseDeps, actorOf(req), req.params.id, { requestId: req.id }),
    );

    app.post<{ Params: { id: string } }>(
      '/rota/shifts/:id/end',
      {
        preHandler: requireRoles(...ROTA_ROLES),
        schema: {
          tags: ['rota'],
          summary: 'Cut a shift in progress short, now',
          description: `${rolesNote(ROTA_ROLES)} reason required. 200 with the shift (endsAt now); 409 when it has not started (delete it) or has ended. Audited (rota.shift.end).`,
          params: shiftParams,
          body: doc(endShiftInput),
        },
      },
      async (req) => endShift(useCaseDeps, actorOf(req), req.params.id, req.body, { requestId: req.id }),
    );

    app.get(
      '/rota/on-duty',
      {
        schema: {
          tags: ['rota'],
          summary: 'Who is on duty now, or at an instant: the executive the escalation after a missed deadline goes to',
          description: `${rolesNote('any')} at: YYYY-MM-DD or an ISO instant (default now). ${FALLBACK_NOTE}`,
          querystring: doc(onDutyQuery(timeZone)),
        },
      },
      async (req) => onDuty(useCaseDeps, actorOf(req), req.query),
    );
  };
