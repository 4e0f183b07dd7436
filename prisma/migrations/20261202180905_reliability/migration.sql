-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "NotificationStatus" ADD VALUE 'SENDING';
ALTER TYPE "NotificationStatus" ADD VALUE 'FAILED';

-- AlterTable
ALTER TABLE "AuditLog" ADD COLUMN     "idempotencyKey" TEXT;

-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "claimAttempt" INTEGER,
ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "lastAttemptAt" TIMESTAMPTZ(3),
ADD COLUMN     "leaseUntil" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "WorkflowStart" (
    "workflowId" TEXT NOT NULL,
    "workflowType" TEXT NOT NULL,
    "taskQueue" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "searchAttributes" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkflowStart_pkey" PRIMARY KEY ("workflowId")
);

-- CreateTable
CREATE TABLE "IdempotentRequest" (
    "staffId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotentRequest_pkey" PRIMARY KEY ("staffId","key")
);

-- CreateIndex
CREATE INDEX "WorkflowStart_startedAt_nextAttemptAt_idx" ON "WorkflowStart"("startedAt", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditLog_idempotencyKey_key" ON "AuditLog"("idempotencyKey");
