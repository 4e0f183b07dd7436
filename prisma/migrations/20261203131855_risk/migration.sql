-- CreateEnum
CREATE TYPE "RiskTrigger" AS ENUM ('INITIAL', 'INPUT_CHANGE', 'MONITORING', 'QUARTERLY', 'RESCORE');

-- CreateEnum
CREATE TYPE "RiskMeasureKind" AS ENUM ('PREFERENTIAL_TERMS', 'CLOSE_MONITORING', 'STRICTER_CONDITIONS', 'PRODUCT_RESTRICTION', 'INVESTIGATION');

-- CreateEnum
CREATE TYPE "ProductStatus" AS ENUM ('PENDING_APPROVAL', 'OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "PortfolioRunStatus" AS ENUM ('RUNNING', 'COMPLETED', 'FAILED');

-- CreateEnum
CREATE TYPE "PortfolioRunKind" AS ENUM ('QUARTERLY', 'RESCORE');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "TaskKind" ADD VALUE 'RISK_INVESTIGATION';
ALTER TYPE "TaskKind" ADD VALUE 'MITIGATION_PLAN';

-- DropIndex
DROP INDEX "Customer_status_idx";

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "rateDiscountEligible" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "riskAssessedAt" TIMESTAMPTZ(3),
ADD COLUMN     "riskAssessmentId" TEXT,
ADD COLUMN     "riskPolicyVersion" TEXT,
ADD COLUMN     "riskRating" TEXT,
ADD COLUMN     "simplifiedProcedure" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "EnterpriseProfile" ADD COLUMN     "establishedOn" DATE;

-- AlterTable
ALTER TABLE "IndividualProfile" ADD COLUMN     "creditBureauCiphertext" TEXT,
ADD COLUMN     "employmentSince" DATE,
ADD COLUMN     "employmentType" TEXT,
ADD COLUMN     "incomeVariability" DECIMAL(6,4);

-- CreateTable
CREATE TABLE "FinancialStatement" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "periodEnd" DATE NOT NULL,
    "revenueUsd" DECIMAL(18,2) NOT NULL,
    "netIncomeUsd" DECIMAL(18,2) NOT NULL,
    "ebitUsd" DECIMAL(18,2) NOT NULL,
    "interestExpenseUsd" DECIMAL(18,2) NOT NULL,
    "totalAssetsUsd" DECIMAL(18,2) NOT NULL,
    "totalLiabilitiesUsd" DECIMAL(18,2) NOT NULL,
    "currentAssetsUsd" DECIMAL(18,2) NOT NULL,
    "currentLiabilitiesUsd" DECIMAL(18,2) NOT NULL,
    "largestCustomerShare" DECIMAL(5,4),
    "recordedByStaffId" TEXT NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FinancialStatement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskAssessment" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "trigger" "RiskTrigger" NOT NULL,
    "customerType" "CustomerType" NOT NULL,
    "rating" TEXT NOT NULL,
    "previousRating" TEXT,
    "total" INTEGER NOT NULL,
    "factors" JSONB NOT NULL,
    "groups" JSONB NOT NULL,
    "reasons" JSONB NOT NULL,
    "capApplied" JSONB,
    "policyVersion" TEXT NOT NULL,
    "assessedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RiskAssessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskMeasure" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "kind" "RiskMeasureKind" NOT NULL,
    "rating" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "appliedAt" TIMESTAMPTZ(3) NOT NULL,
    "appliedByAssessmentId" UUID NOT NULL,
    "liftedAt" TIMESTAMPTZ(3),
    "liftedByAssessmentId" UUID,
    "policyVersion" TEXT NOT NULL,

    CONSTRAINT "RiskMeasure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerProduct" (
    "id" UUID NOT NULL,
    "customerId" TEXT NOT NULL,
    "productCode" TEXT NOT NULL,
    "riskClass" INTEGER NOT NULL,
    "status" "ProductStatus" NOT NULL,
    "ratingAtOpening" TEXT,
    "policyVersion" TEXT NOT NULL,
    "simplifiedProcedure" BOOLEAN NOT NULL DEFAULT false,
    "rateDiscountEligible" BOOLEAN NOT NULL DEFAULT false,
    "guaranteeReference" TEXT,
    "approvalBy" "StaffRole"[] DEFAULT ARRAY[]::"StaffRole"[],
    "approvedByStaffId" TEXT,
    "approvedAt" TIMESTAMPTZ(3),
    "amountUsd" DECIMAL(18,2),
    "requestedByStaffId" TEXT NOT NULL,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "openedAt" TIMESTAMPTZ(3),
    "closedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CustomerProduct_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskPortfolioRun" (
    "id" TEXT NOT NULL,
    "kind" "PortfolioRunKind" NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "policyVersion" TEXT NOT NULL,
    "status" "PortfolioRunStatus" NOT NULL DEFAULT 'RUNNING',
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "startedByStaffId" TEXT,

    CONSTRAINT "RiskPortfolioRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskPolicyAdoption" (
    "version" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "adoptedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "adoptedByStaffId" TEXT,
    "runId" TEXT,

    CONSTRAINT "RiskPolicyAdoption_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE UNIQUE INDEX "FinancialStatement_customerId_periodEnd_key" ON "FinancialStatement"("customerId", "periodEnd");

-- CreateIndex
CREATE INDEX "RiskAssessment_customerId_assessedAt_idx" ON "RiskAssessment"("customerId", "assessedAt");

-- CreateIndex
CREATE INDEX "RiskAssessment_runKey_idx" ON "RiskAssessment"("runKey");

-- CreateIndex
CREATE UNIQUE INDEX "RiskAssessment_customerId_runKey_key" ON "RiskAssessment"("customerId", "runKey");

-- CreateIndex
CREATE INDEX "RiskMeasure_customerId_liftedAt_idx" ON "RiskMeasure"("customerId", "liftedAt");

-- CreateIndex
CREATE INDEX "CustomerProduct_customerId_status_idx" ON "CustomerProduct"("customerId", "status");

-- CreateIndex
CREATE INDEX "Customer_status_id_idx" ON "Customer"("status", "id");

-- AddForeignKey
ALTER TABLE "FinancialStatement" ADD CONSTRAINT "FinancialStatement_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RiskAssessment" ADD CONSTRAINT "RiskAssessment_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RiskMeasure" ADD CONSTRAINT "RiskMeasure_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerProduct" ADD CONSTRAINT "CustomerProduct_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
