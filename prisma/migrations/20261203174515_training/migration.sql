-- CreateEnum
CREATE TYPE "TrainingProgrammeKind" AS ENUM ('FOUNDATION', 'ADVANCED');

-- CreateEnum
CREATE TYPE "TrainingProvider" AS ENUM ('INTERNAL', 'EXTERNAL');

-- CreateEnum
CREATE TYPE "TrainingDelivery" AS ENUM ('LECTURE', 'CASE_STUDY', 'SIMULATION');

-- CreateEnum
CREATE TYPE "TrainingEnrolmentStatus" AS ENUM ('ENROLLED', 'IN_PROGRESS', 'COMPLETED');

-- AlterEnum
ALTER TYPE "TaskKind" ADD VALUE 'TRAINING_MODULE';

-- AlterTable
ALTER TABLE "StaffMember" ADD COLUMN     "foundationCompletedAt" TIMESTAMPTZ(3) DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "TrainingProgramme" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "TrainingProgrammeKind" NOT NULL,
    "topic" TEXT,
    "provider" "TrainingProvider" NOT NULL,
    "weeks" INTEGER NOT NULL,
    "trainerStaffId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdByStaffId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TrainingProgramme_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "TrainingModule" (
    "programmeCode" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "delivery" "TrainingDelivery" NOT NULL,
    "week" INTEGER NOT NULL,
    "weeks" INTEGER NOT NULL DEFAULT 1,
    "assessed" BOOLEAN NOT NULL DEFAULT false,
    "passScore" INTEGER,

    CONSTRAINT "TrainingModule_pkey" PRIMARY KEY ("programmeCode","code")
);

-- CreateTable
CREATE TABLE "TrainingEnrolment" (
    "id" UUID NOT NULL,
    "staffId" TEXT NOT NULL,
    "programmeCode" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" "TrainingEnrolmentStatus" NOT NULL DEFAULT 'ENROLLED',
    "startsOn" DATE NOT NULL,
    "managerStaffId" TEXT NOT NULL,
    "trainerStaffId" TEXT,
    "modules" JSONB NOT NULL,
    "enrolledByStaffId" TEXT NOT NULL,
    "enrolledAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    "policyVersion" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TrainingEnrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingCertificate" (
    "id" UUID NOT NULL,
    "enrolmentId" UUID NOT NULL,
    "staffId" TEXT NOT NULL,
    "programmeCode" TEXT NOT NULL,
    "kind" "TrainingProgrammeKind" NOT NULL,
    "topic" TEXT,
    "provider" "TrainingProvider" NOT NULL,
    "modules" JSONB NOT NULL,
    "issuedAt" TIMESTAMPTZ(3) NOT NULL,
    "policyVersion" TEXT NOT NULL,

    CONSTRAINT "TrainingCertificate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TrainingEnrolment_workflowId_key" ON "TrainingEnrolment"("workflowId");

-- CreateIndex
CREATE INDEX "TrainingEnrolment_programmeCode_status_idx" ON "TrainingEnrolment"("programmeCode", "status");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingEnrolment_staffId_programmeCode_key" ON "TrainingEnrolment"("staffId", "programmeCode");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingCertificate_enrolmentId_key" ON "TrainingCertificate"("enrolmentId");

-- CreateIndex
CREATE INDEX "TrainingCertificate_staffId_issuedAt_idx" ON "TrainingCertificate"("staffId", "issuedAt");

-- AddForeignKey
ALTER TABLE "TrainingModule" ADD CONSTRAINT "TrainingModule_programmeCode_fkey" FOREIGN KEY ("programmeCode") REFERENCES "TrainingProgramme"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEnrolment" ADD CONSTRAINT "TrainingEnrolment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEnrolment" ADD CONSTRAINT "TrainingEnrolment_programmeCode_fkey" FOREIGN KEY ("programmeCode") REFERENCES "TrainingProgramme"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingCertificate" ADD CONSTRAINT "TrainingCertificate_enrolmentId_fkey" FOREIGN KEY ("enrolmentId") REFERENCES "TrainingEnrolment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingCertificate" ADD CONSTRAINT "TrainingCertificate_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- §3.1, §7.1 (issue 11) the one-off step that keeps everything running: every staff member present
-- now was marked trained by the column's default above (foundationCompletedAt = this migration's
-- time), so no assignment, review or reveal that works today is refused tomorrow. One audit record
-- each says so (idempotent by key). From now on the create-staff use case registers new hires with
-- foundationCompletedAt NULL: untrained until their foundation course is complete.
INSERT INTO "AuditLog" ("actorStaffId", "action", "entity", "entityId", "changes", "idempotencyKey")
SELECT NULL, 'training.foundation.grandfather', 'StaffMember', s."id",
       jsonb_build_object('foundationCompletedAt', jsonb_build_object('before', NULL, 'after', to_jsonb(s."foundationCompletedAt"))),
       'training.foundation.grandfather:' || s."id"
FROM "StaffMember" s
ON CONFLICT ("idempotencyKey") DO NOTHING;
