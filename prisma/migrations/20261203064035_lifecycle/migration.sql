-- CreateEnum
CREATE TYPE "ReminderDelivery" AS ENUM ('EMAIL', 'DIGEST');

-- CreateEnum
CREATE TYPE "TaskKind" AS ENUM ('PERIODIC_REVIEW', 'RELATIONSHIP_MEETING', 'CUSTOMER_CONTACT');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('OPEN', 'DONE', 'CANCELLED', 'MISSED');

-- CreateEnum
CREATE TYPE "LifecycleStatus" AS ENUM ('ACTIVE', 'REVIEW_DUE', 'REVIEW_OVERDUE', 'CLOSED');

-- CreateEnum
CREATE TYPE "ContactChannel" AS ENUM ('EMAIL', 'SMS', 'PHONE', 'MEETING');

-- CreateEnum
CREATE TYPE "ContactStatus" AS ENUM ('SENT', 'TASK_OPENED', 'DONE', 'SKIPPED', 'FAILED');

-- AlterEnum
ALTER TYPE "CustomerStatus" ADD VALUE 'CLOSED';

-- AlterTable
ALTER TABLE "Reminder" ADD COLUMN     "delivery" "ReminderDelivery" NOT NULL DEFAULT 'EMAIL',
ADD COLUMN     "digestKey" TEXT,
ADD COLUMN     "secondRemindedAt" TIMESTAMPTZ(3),
ADD COLUMN     "secondReminderAt" TIMESTAMPTZ(3),
ADD COLUMN     "taskId" TEXT;

-- CreateTable
CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "kind" "TaskKind" NOT NULL,
    "subject" TEXT NOT NULL,
    "customerId" TEXT,
    "assigneeStaffId" TEXT,
    "team" TEXT,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "overdueAt" TIMESTAMPTZ(3),
    "escalatedAt" TIMESTAMPTZ(3),
    "status" "TaskStatus" NOT NULL DEFAULT 'OPEN',
    "workflowId" TEXT NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "outcome" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "closedAt" TIMESTAMPTZ(3),
    "closedByStaffId" TEXT,
    "closeReason" TEXT,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerLifecycle" (
    "customerId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "status" "LifecycleStatus" NOT NULL DEFAULT 'ACTIVE',
    "lastReviewAt" TIMESTAMPTZ(3) NOT NULL,
    "nextReviewAt" TIMESTAMPTZ(3),
    "reviewCycle" INTEGER NOT NULL DEFAULT 0,
    "policyVersion" TEXT NOT NULL,
    "riskReassessmentDueAt" TIMESTAMPTZ(3),
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMPTZ(3),
    "closeReason" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CustomerLifecycle_pkey" PRIMARY KEY ("customerId")
);

-- CreateTable
CREATE TABLE "ContactEvent" (
    "id" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" "ContactChannel",
    "status" "ContactStatus" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "staffId" TEXT,
    "taskId" TEXT,
    "notificationKey" TEXT,
    "detail" JSONB,
    "policyVersion" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ContactEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Task_assigneeStaffId_status_dueAt_idx" ON "Task"("assigneeStaffId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Task_team_status_dueAt_idx" ON "Task"("team", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Task_kind_status_dueAt_idx" ON "Task"("kind", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Task_customerId_kind_idx" ON "Task"("customerId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerLifecycle_workflowId_key" ON "CustomerLifecycle"("workflowId");

-- CreateIndex
CREATE INDEX "CustomerLifecycle_status_nextReviewAt_idx" ON "CustomerLifecycle"("status", "nextReviewAt");

-- CreateIndex
CREATE INDEX "ContactEvent_customerId_at_idx" ON "ContactEvent"("customerId", "at");

-- CreateIndex
CREATE INDEX "Reminder_staffId_delivery_digestKey_idx" ON "Reminder"("staffId", "delivery", "digestKey");

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_assigneeStaffId_fkey" FOREIGN KEY ("assigneeStaffId") REFERENCES "StaffMember"("id") ON DELETE SET NULL ON UPDATE CASCADE;
