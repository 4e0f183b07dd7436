-- CreateEnum
CREATE TYPE "StaffAssessmentPeriodKind" AS ENUM ('QUARTER', 'YEAR');

-- AlterEnum
ALTER TYPE "TaskKind" ADD VALUE 'STAFF_GUIDANCE';

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "referredByCustomerId" TEXT;

-- CreateTable
CREATE TABLE "StaffAssessment" (
    "id" UUID NOT NULL,
    "staffId" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "periodKind" "StaffAssessmentPeriodKind" NOT NULL,
    "periodStart" TIMESTAMPTZ(3) NOT NULL,
    "periodEnd" TIMESTAMPTZ(3) NOT NULL,
    "inputs" JSONB NOT NULL,
    "inputsHash" TEXT NOT NULL,
    "indicators" JSONB NOT NULL,
    "groups" JSONB NOT NULL,
    "score" DOUBLE PRECISION,
    "coverage" DOUBLE PRECISION NOT NULL,
    "grade" TEXT NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "managerStaffId" TEXT,
    "guidanceNotes" TEXT,
    "guidanceByStaffId" TEXT,
    "guidanceAt" TIMESTAMPTZ(3),
    "resultEmailedAt" TIMESTAMPTZ(3),
    "computedAt" TIMESTAMPTZ(3) NOT NULL,
    "computedByStaffId" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StaffAssessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PhoneFollowUp" (
    "id" UUID NOT NULL,
    "caseNo" TEXT,
    "customerId" TEXT,
    "staffId" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "score" INTEGER,
    "recordedByStaffId" TEXT NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PhoneFollowUp_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StaffAssessment_period_staffId_idx" ON "StaffAssessment"("period", "staffId");

-- CreateIndex
CREATE INDEX "StaffAssessment_period_managerStaffId_idx" ON "StaffAssessment"("period", "managerStaffId");

-- CreateIndex
CREATE UNIQUE INDEX "StaffAssessment_staffId_period_key" ON "StaffAssessment"("staffId", "period");

-- CreateIndex
CREATE INDEX "PhoneFollowUp_staffId_recordedAt_idx" ON "PhoneFollowUp"("staffId", "recordedAt");

-- CreateIndex
CREATE INDEX "PhoneFollowUp_caseNo_idx" ON "PhoneFollowUp"("caseNo");

-- CreateIndex
CREATE INDEX "Customer_referredByCustomerId_idx" ON "Customer"("referredByCustomerId");

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_referredByCustomerId_fkey" FOREIGN KEY ("referredByCustomerId") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;
