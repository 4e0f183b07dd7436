-- CreateEnum
CREATE TYPE "FeedbackChannel" AS ENUM ('HOTLINE', 'ONLINE', 'SUGGESTION_BOX');

-- CreateEnum
CREATE TYPE "FeedbackSeverity" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "FeedbackComplexity" AS ENUM ('SIMPLE', 'COMPLEX');

-- CreateEnum
CREATE TYPE "FeedbackStatus" AS ENUM ('REGISTERED', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESPONDED', 'RESOLVED', 'CLOSED', 'REOPENED');

-- CreateEnum
CREATE TYPE "FeedbackEventKind" AS ENUM ('REGISTERED', 'ROUTED', 'ASSIGNED', 'RESPONSE', 'NOTE', 'PAUSED', 'RESUMED', 'REASSIGNED', 'RECLASSIFIED', 'ESCALATED', 'RESOLVED', 'SURVEY_ANSWERED', 'REOPENED', 'CLOSED');

-- AlterEnum
ALTER TYPE "TaskKind" ADD VALUE 'FEEDBACK_CASE';

-- CreateTable
CREATE TABLE "Department" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "headStaffId" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Department_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "DepartmentMember" (
    "departmentCode" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "handlesFeedback" BOOLEAN NOT NULL DEFAULT true,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "addedByStaffId" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DepartmentMember_pkey" PRIMARY KEY ("departmentCode","staffId")
);

-- CreateTable
CREATE TABLE "ExecutiveOnDutyShift" (
    "id" UUID NOT NULL,
    "staffId" TEXT NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "createdByStaffId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedEarlyAt" TIMESTAMPTZ(3),
    "endedEarlyBy" TEXT,

    CONSTRAINT "ExecutiveOnDutyShift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FeedbackCase" (
    "caseNo" TEXT NOT NULL,
    "channel" "FeedbackChannel" NOT NULL,
    "customerId" TEXT,
    "contactNameCiphertext" TEXT,
    "contactEmailCiphertext" TEXT,
    "contactPhoneCiphertext" TEXT,
    "contactEmailBlindIndex" TEXT,
    "category" TEXT NOT NULL,
    "severity" "FeedbackSeverity" NOT NULL,
    "complexity" "FeedbackComplexity" NOT NULL,
    "customerType" "CustomerType" NOT NULL,
    "summaryCiphertext" TEXT NOT NULL,
    "descriptionCiphertext" TEXT,
    "departmentCode" TEXT NOT NULL,
    "routingRuleId" TEXT NOT NULL,
    "handlerStaffId" TEXT,
    "status" "FeedbackStatus" NOT NULL DEFAULT 'REGISTERED',
    "registeredAt" TIMESTAMPTZ(3) NOT NULL,
    "firstResponseAt" TIMESTAMPTZ(3),
    "resolvedAt" TIMESTAMPTZ(3),
    "closedAt" TIMESTAMPTZ(3),
    "targetAt" TIMESTAMPTZ(3),
    "hardLimitAt" TIMESTAMPTZ(3),
    "pausedAt" TIMESTAMPTZ(3),
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "workflowId" TEXT NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "registeredByStaffId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FeedbackCase_pkey" PRIMARY KEY ("caseNo")
);

-- CreateTable
CREATE TABLE "FeedbackEvent" (
    "id" BIGSERIAL NOT NULL,
    "caseNo" TEXT NOT NULL,
    "kind" "FeedbackEventKind" NOT NULL,
    "actorStaffId" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,
    "bodyCiphertext" TEXT,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "data" JSONB,
    "idempotencyKey" TEXT,

    CONSTRAINT "FeedbackEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SurveyResponse" (
    "caseNo" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "score" INTEGER NOT NULL,
    "commentCiphertext" TEXT,
    "answeredAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SurveyResponse_pkey" PRIMARY KEY ("caseNo","round")
);

-- CreateTable
CREATE TABLE "CaseNumberCounter" (
    "year" INTEGER NOT NULL,
    "next" INTEGER NOT NULL,

    CONSTRAINT "CaseNumberCounter_pkey" PRIMARY KEY ("year")
);

-- CreateIndex
CREATE INDEX "Department_headStaffId_idx" ON "Department"("headStaffId");

-- CreateIndex
CREATE INDEX "DepartmentMember_staffId_idx" ON "DepartmentMember"("staffId");

-- CreateIndex
CREATE INDEX "ExecutiveOnDutyShift_startsAt_endsAt_idx" ON "ExecutiveOnDutyShift"("startsAt", "endsAt");

-- CreateIndex
CREATE INDEX "ExecutiveOnDutyShift_staffId_startsAt_idx" ON "ExecutiveOnDutyShift"("staffId", "startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "FeedbackCase_workflowId_key" ON "FeedbackCase"("workflowId");

-- CreateIndex
CREATE INDEX "FeedbackCase_status_hardLimitAt_idx" ON "FeedbackCase"("status", "hardLimitAt");

-- CreateIndex
CREATE INDEX "FeedbackCase_departmentCode_status_registeredAt_idx" ON "FeedbackCase"("departmentCode", "status", "registeredAt");

-- CreateIndex
CREATE INDEX "FeedbackCase_customerId_registeredAt_idx" ON "FeedbackCase"("customerId", "registeredAt");

-- CreateIndex
CREATE INDEX "FeedbackCase_handlerStaffId_status_idx" ON "FeedbackCase"("handlerStaffId", "status");

-- CreateIndex
CREATE INDEX "FeedbackCase_registeredAt_idx" ON "FeedbackCase"("registeredAt");

-- CreateIndex
CREATE INDEX "FeedbackCase_contactEmailBlindIndex_idx" ON "FeedbackCase"("contactEmailBlindIndex");

-- CreateIndex
CREATE UNIQUE INDEX "FeedbackEvent_idempotencyKey_key" ON "FeedbackEvent"("idempotencyKey");

-- CreateIndex
CREATE INDEX "FeedbackEvent_caseNo_at_idx" ON "FeedbackEvent"("caseNo", "at");

-- CreateIndex
CREATE INDEX "FeedbackEvent_kind_at_idx" ON "FeedbackEvent"("kind", "at");

-- CreateIndex
CREATE INDEX "SurveyResponse_answeredAt_idx" ON "SurveyResponse"("answeredAt");

-- AddForeignKey
ALTER TABLE "Department" ADD CONSTRAINT "Department_headStaffId_fkey" FOREIGN KEY ("headStaffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentMember" ADD CONSTRAINT "DepartmentMember_departmentCode_fkey" FOREIGN KEY ("departmentCode") REFERENCES "Department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepartmentMember" ADD CONSTRAINT "DepartmentMember_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExecutiveOnDutyShift" ADD CONSTRAINT "ExecutiveOnDutyShift_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeedbackCase" ADD CONSTRAINT "FeedbackCase_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeedbackCase" ADD CONSTRAINT "FeedbackCase_departmentCode_fkey" FOREIGN KEY ("departmentCode") REFERENCES "Department"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeedbackCase" ADD CONSTRAINT "FeedbackCase_handlerStaffId_fkey" FOREIGN KEY ("handlerStaffId") REFERENCES "StaffMember"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeedbackEvent" ADD CONSTRAINT "FeedbackEvent_caseNo_fkey" FOREIGN KEY ("caseNo") REFERENCES "FeedbackCase"("caseNo") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SurveyResponse" ADD CONSTRAINT "SurveyResponse_caseNo_fkey" FOREIGN KEY ("caseNo") REFERENCES "FeedbackCase"("caseNo") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Rules Prisma's schema language cannot state live here, as triggers: the drift check compares
-- tables, columns, indexes and foreign keys, which these do not change. (Not CHECK or EXCLUDE
-- constraints: the WASM schema engine panics describing any CHECK or EXCLUDE constraint over the pg
-- driver adapter — it reads pg_constraint.contype as a "char", which @prisma/adapter-pg 7.10 hands
-- over as text — so a database with one could no longer be migrated or drift-checked.)

-- The rota: a shift ends after it starts, and no two shifts overlap (half-open [startsAt, endsAt):
-- one may end at the instant the next begins). In the database, not only in the use case, so two
-- concurrent writers cannot both put an executive on duty at the same time: writers serialize on a
-- transaction-scoped advisory lock, and each checks after it has the lock (in READ COMMITTED the
-- check then sees every shift committed before).
CREATE FUNCTION executive_on_duty_shift_rules() RETURNS trigger AS $$
DECLARE
  other RECORD;
BEGIN
  IF NEW."endsAt" <= NEW."startsAt" THEN
    RAISE EXCEPTION 'ExecutiveOnDutyShift: endsAt (%) must be after startsAt (%)', NEW."endsAt", NEW."startsAt" USING ERRCODE = 'check_violation';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('ExecutiveOnDutyShift'));
  SELECT "id", "staffId", "startsAt", "endsAt" INTO other FROM "ExecutiveOnDutyShift"
    WHERE "id" <> NEW."id" AND "startsAt" < NEW."endsAt" AND NEW."startsAt" < "endsAt"
    ORDER BY "startsAt" LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ExecutiveOnDutyShift: overlaps shift % of % (% – %)', other."id", other."staffId", other."startsAt", other."endsAt" USING ERRCODE = 'exclusion_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "ExecutiveOnDutyShift_rules"
  BEFORE INSERT OR UPDATE OF "startsAt", "endsAt" ON "ExecutiveOnDutyShift"
  FOR EACH ROW EXECUTE FUNCTION executive_on_duty_shift_rules();

-- Ranges the application keeps and the database holds it to.
CREATE FUNCTION feedback_case_rules() RETURNS trigger AS $$
BEGIN
  IF NEW."escalationLevel" NOT BETWEEN 0 AND 2 THEN
    RAISE EXCEPTION 'FeedbackCase %: escalationLevel % is not 0, 1 or 2', NEW."caseNo", NEW."escalationLevel" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."reopenCount" < 0 THEN
    RAISE EXCEPTION 'FeedbackCase %: reopenCount % is negative', NEW."caseNo", NEW."reopenCount" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "FeedbackCase_rules"
  BEFORE INSERT OR UPDATE OF "escalationLevel", "reopenCount" ON "FeedbackCase"
  FOR EACH ROW EXECUTE FUNCTION feedback_case_rules();

CREATE FUNCTION survey_response_rules() RETURNS trigger AS $$
BEGIN
  IF NEW."score" NOT BETWEEN 1 AND 5 THEN
    RAISE EXCEPTION 'SurveyResponse %: score % is not 1–5', NEW."caseNo", NEW."score" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."round" < 1 THEN
    RAISE EXCEPTION 'SurveyResponse %: round % is below 1', NEW."caseNo", NEW."round" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "SurveyResponse_rules"
  BEFORE INSERT OR UPDATE ON "SurveyResponse"
  FOR EACH ROW EXECUTE FUNCTION survey_response_rules();

-- A case's timeline is append-only: an event is never deleted or changed, except that a key rotation
-- re-encrypts its body (the same text under the current key).
CREATE FUNCTION feedback_event_is_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'bodyCiphertext') = (to_jsonb(OLD) - 'bodyCiphertext') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'FeedbackEvent is append-only: % is not allowed (only a key rotation may re-encrypt bodyCiphertext)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "FeedbackEvent_append_only"
  BEFORE UPDATE OR DELETE ON "FeedbackEvent"
  FOR EACH ROW EXECUTE FUNCTION feedback_event_is_append_only();

CREATE TRIGGER "FeedbackEvent_no_truncate"
  BEFORE TRUNCATE ON "FeedbackEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION feedback_event_is_append_only();
