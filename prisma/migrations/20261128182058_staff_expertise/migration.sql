-- AlterTable
ALTER TABLE "StaffMember" ADD COLUMN     "expertise" TEXT[] DEFAULT ARRAY[]::TEXT[];
