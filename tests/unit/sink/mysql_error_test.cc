#include "libcore/sink/mysql_error.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <gtest/gtest.h>

#include "libcore/base/exit_code.h"

namespace logroute::sink {
namespace {

// Who is at fault decides what flush does: the server's state is retried, the
// operator's setup stops the tool, a row's fault is bisected down to the row.
// The category says which state; all three retryable ones exit 75.
TEST(ClassifyMysqlErrorTest, ALockAnotherClientHoldsIsBusy) {
  for (unsigned error : {ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK, ER_LOCK_ABORTED, ER_CANT_LOCK}) {
    EXPECT_EQ(ClassifyMysqlError(error, "lock"), Code::kBusy) << error;
  }
}

TEST(ClassifyMysqlErrorTest, TheServersFullDiskIsNoSpace) {
  for (unsigned error : {ER_DISK_FULL, ER_RECORD_FILE_FULL, ER_TEMP_FILE_WRITE_FAILURE}) {
    EXPECT_EQ(ClassifyMysqlError(error, "full"), Code::kNoSpace) << error;
  }
}

TEST(ClassifyMysqlErrorTest, AConnectionOrServerThatPassesIsTempFail) {
  for (unsigned error : {CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_CONN_HOST_ERROR,
                         ER_SERVER_SHUTDOWN, ER_CON_COUNT_ERROR, ER_READ_ONLY_MODE}) {
    EXPECT_EQ(ClassifyMysqlError(error, "gone"), Code::kTempFail) << error;
  }
  // A resolver that did not answer passes; a name that does not exist does not.
  EXPECT_EQ(ClassifyMysqlError(CR_UNKNOWN_HOST, "Unknown server host 'db' (-3)"), Code::kTempFail);
  EXPECT_EQ(ClassifyMysqlError(CR_UNKNOWN_HOST, "Unknown server host 'db' (-2)"), Code::kNoHost);
}

TEST(ClassifyMysqlErrorTest, EveryStateOfTheServerIsRetriedAndExits75) {
  for (unsigned error : {ER_LOCK_DEADLOCK, ER_DISK_FULL, CR_SERVER_LOST}) {
    const Status status = MysqlStatus("mysql://db/events", "cannot insert", error, "x");
    EXPECT_TRUE(status.retryable()) << status.message();
    EXPECT_EQ(ExitCode(status), 75) << status.message();
  }
}

TEST(ClassifyMysqlErrorTest, TheOperatorsSetupAndTheRowsAreNotRetried) {
  EXPECT_EQ(ClassifyMysqlError(ER_ACCESS_DENIED_ERROR, ""), Code::kNoPermission);
  EXPECT_EQ(ClassifyMysqlError(ER_BAD_DB_ERROR, ""), Code::kUnavailable);
  EXPECT_EQ(ClassifyMysqlError(ER_NO_SUCH_TABLE, ""), Code::kUsage);
  // Anything else the server says of a statement is the rows'.
  for (unsigned error : {ER_DUP_ENTRY, ER_TRUNCATED_WRONG_VALUE_FOR_FIELD, ER_SIGNAL_EXCEPTION}) {
    EXPECT_EQ(ClassifyMysqlError(error, ""), Code::kDataError) << error;
  }
}

}  // namespace
}  // namespace logroute::sink
