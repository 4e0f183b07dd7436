-- CreateEnum
CREATE TYPE "CustomerType" AS ENUM ('INDIVIDUAL', 'ENTERPRISE');

-- CreateEnum
CREATE TYPE "CustomerStatus" AS ENUM ('PENDING_REVIEW', 'INFO_REQUESTED', 'APPROVED', 'REJECTED', 'INCOMPLETE');

-- CreateEnum
CREATE TYPE "OnboardingChannel" AS ENUM ('WEBSITE', 'MOBILE_APP', 'BRANCH', 'IMPORT');

-- CreateEnum
CREATE TYPE "IdentityKind" AS ENUM ('SSN', 'ITIN', 'PASSPORT', 'EIN', 'BUSINESS_REGISTRATION');

-- CreateEnum
CREATE TYPE "AssignmentRole" AS ENUM ('RELATIONSHIP_MANAGER', 'TEAM_MEMBER');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('APPROVED', 'REJECTED', 'INCOMPLETE');

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "type" "CustomerType" NOT NULL,
    "status" "CustomerStatus" NOT NULL DEFAULT 'PENDING_REVIEW',
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "contactPreferences" JSONB NOT NULL,
    "channel" "OnboardingChannel" NOT NULL,
    "createdByStaffId" TEXT NOT NULL,
    "segment" TEXT,
    "ageGroup" TEXT,
    "enterpriseSize" TEXT,
    "industrySector" TEXT,
    "serviceTier" TEXT,
    "classificationPolicyVersion" TEXT,
    "classifiedAt" TIMESTAMPTZ(3),
    "relationshipManagerId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdentityDocument" (
    "customerId" TEXT NOT NULL,
    "kind" "IdentityKind" NOT NULL,
    "numberCiphertext" TEXT NOT NULL,
    "numberBlindIndex" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "issuingCountry" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdentityDocument_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "IndividualProfile" (
    "customerId" TEXT NOT NULL,
    "firstName" TEXT NOT NULL,
    "lastName" TEXT NOT NULL,
    "dateOfBirthCiphertext" TEXT NOT NULL,
    "annualIncomeUsd" DECIMAL(18,2),
    "incomeSource" TEXT,
    "totalAssetsUsd" DECIMAL(18,2),
    "debtsUsd" DECIMAL(18,2),
    "creditRecordCiphertext" TEXT,
    "savingsGoal" TEXT,
    "spendingPattern" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IndividualProfile_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "EnterpriseProfile" (
    "customerId" TEXT NOT NULL,
    "legalName" TEXT NOT NULL,
    "registrationState" TEXT,
    "employees" INTEGER,
    "annualRevenueUsd" DECIMAL(18,2),
    "totalAssetsUsd" DECIMAL(18,2),
    "naicsCode" TEXT,
    "operations" TEXT,
    "purposeOfFunds" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "EnterpriseProfile_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "SegmentChange" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "fromSegment" TEXT,
    "toSegment" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "changedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorStaffId" TEXT,

    CONSTRAINT "SegmentChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RelationshipAssignment" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "role" "AssignmentRole" NOT NULL,
    "expertise" TEXT,
    "assignedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "RelationshipAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OnboardingReview" (
    "customerId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "infoRequestedAt" TIMESTAMPTZ(3),
    "infoRequestCount" INTEGER NOT NULL DEFAULT 0,
    "decision" "ReviewDecision",
    "decidedAt" TIMESTAMPTZ(3),
    "decidedByStaffId" TEXT,
    "reason" TEXT,

    CONSTRAINT "OnboardingReview_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorStaffId" TEXT,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "customerId" TEXT,
    "changes" JSONB,
    "requestId" TEXT,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "staffId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Customer_type_segment_idx" ON "Customer"("type", "segment");

-- CreateIndex
CREATE INDEX "Customer_status_idx" ON "Customer"("status");

-- CreateIndex
CREATE INDEX "Customer_relationshipManagerId_idx" ON "Customer"("relationshipManagerId");

-- CreateIndex
CREATE UNIQUE INDEX "IdentityDocument_numberBlindIndex_key" ON "IdentityDocument"("numberBlindIndex");

-- CreateIndex
CREATE INDEX "SegmentChange_customerId_changedAt_idx" ON "SegmentChange"("customerId", "changedAt");

-- CreateIndex
CREATE INDEX "RelationshipAssignment_staffId_endedAt_idx" ON "RelationshipAssignment"("staffId", "endedAt");

-- CreateIndex
CREATE INDEX "RelationshipAssignment_customerId_endedAt_idx" ON "RelationshipAssignment"("customerId", "endedAt");

-- CreateIndex
CREATE UNIQUE INDEX "OnboardingReview_workflowId_key" ON "OnboardingReview"("workflowId");

-- CreateIndex
CREATE INDEX "OnboardingReview_decision_submittedAt_idx" ON "OnboardingReview"("decision", "submittedAt");

-- CreateIndex
CREATE INDEX "AuditLog_customerId_at_idx" ON "AuditLog"("customerId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_actorStaffId_at_idx" ON "AuditLog"("actorStaffId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_staffId_idx" ON "ApiKey"("staffId");

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_createdByStaffId_fkey" FOREIGN KEY ("createdByStaffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_relationshipManagerId_fkey" FOREIGN KEY ("relationshipManagerId") REFERENCES "StaffMember"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdentityDocument" ADD CONSTRAINT "IdentityDocument_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IndividualProfile" ADD CONSTRAINT "IndividualProfile_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnterpriseProfile" ADD CONSTRAINT "EnterpriseProfile_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SegmentChange" ADD CONSTRAINT "SegmentChange_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RelationshipAssignment" ADD CONSTRAINT "RelationshipAssignment_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RelationshipAssignment" ADD CONSTRAINT "RelationshipAssignment_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnboardingReview" ADD CONSTRAINT "OnboardingReview_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- §3.1: the audit log is append-only. Prisma's schema language has no triggers, so this lives here
-- (the drift check compares tables, columns and indexes, which this does not change).
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'AuditLog is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditLog_append_only"
  BEFORE UPDATE OR DELETE OR TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
