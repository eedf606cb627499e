// Unit tests of the container module's pure parts: the record's round trip
// through its row, names, signals, the attach stream's framing and the
// runtime's error cleanup. The runtime itself is exercised by the
// integration tests (tests/integration/test_run.py).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container/attach.h"
#include "container/container.h"
#include "container/lifecycle.h"
#include "container/runc.h"

namespace berth::container {
namespace {

TEST(ContainerTest, RecordRoundTrip) {
  Container c{.id = NewContainerId(), .name = "web", .image = "busybox",
              .chain_id = std::nullopt, .created = 123};
  c.image_id = Digest::Parse("sha256:" + std::string(64, 'a')).value();
  c.config.cmd = std::vector<std::string>{"sh", "-c", "echo hi there"};
  c.config.env = {"PATH=/bin"};
  c.config.tty = true;
  c.host.binds = {"/a:/b:ro"};
  c.host.network_mode = "host";
  c.host.auto_remove = true;
  auto back = Container::FromRecord(c.ToRecord());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, c);
  EXPECT_EQ(c.Path(), "sh");
  EXPECT_EQ(c.Args(), (std::vector<std::string>{"-c", "echo hi there"}));
  EXPECT_EQ(c.Command(), "sh -c 'echo hi there'");
}

TEST(ContainerTest, IdsAndNames) {
  std::string id = NewContainerId();
  EXPECT_EQ(id.size(), 64u);
  EXPECT_NE(id, NewContainerId());
  EXPECT_NE(GenerateName(0).find('_'), std::string::npos);
  EXPECT_EQ(ValidateName("/web-1.a_b").value(), "web-1.a_b");
  for (const char* bad : {"a", "-web", "we b", "web/x", ""}) {
    auto r = ValidateName(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message, "Invalid container name (" + std::string(bad) +
                                     "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
}

TEST(ContainerTest, Signals) {
  EXPECT_EQ(ParseSignal("KILL").value(), SIGKILL);
  EXPECT_EQ(ParseSignal("sigterm").value(), SIGTERM);
  EXPECT_EQ(ParseSignal("9").value(), 9);
  EXPECT_EQ(ParseSignal("NOPE").error().message, "Invalid signal: NOPE");
  EXPECT_FALSE(ParseSignal("0").ok());
}

TEST(ContainerTest, FramesSurviveAnyChunking) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(WriteFrame(sv[0], FrameType::kStdout, "hello").ok());
  ASSERT_TRUE(WriteFrame(sv[0], FrameType::kExit, "3").ok());
  char buf[64];
  ssize_t n = ::read(sv[1], buf, sizeof buf);
  ASSERT_EQ(n, 8 + 5 + 8 + 1);
  FrameParser p;
  for (ssize_t i = 0; i < n; ++i) p.Feed(std::string_view(buf + i, 1));  // byte by byte
  auto f1 = p.Next();
  ASSERT_TRUE(f1.ok() && *f1);
  EXPECT_EQ((*f1)->type, FrameType::kStdout);
  EXPECT_EQ((*f1)->payload, "hello");
  auto f2 = p.Next();
  ASSERT_TRUE(f2.ok() && *f2);
  EXPECT_EQ((*f2)->type, FrameType::kExit);
  EXPECT_FALSE(p.Next().value().has_value());
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(ContainerTest, WaitStartedReadsNoFurtherThanItsFrame) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(WriteFrame(sv[0], FrameType::kStarted, "").ok());
  ASSERT_TRUE(WriteFrame(sv[0], FrameType::kStdout, "after").ok());
  int status = 0;
  ASSERT_TRUE(WaitStarted(sv[1], &status).ok());
  char buf[64];
  EXPECT_EQ(::read(sv[1], buf, sizeof buf), 8 + 5);  // still there for Relay
  ASSERT_TRUE(WriteFrame(sv[0], FrameType::kError, "127 exec: \"x\": executable file not found").ok());
  Status st = WaitStarted(sv[1], &status);
  EXPECT_EQ(status, 127);
  EXPECT_EQ(st.error().message, "exec: \"x\": executable file not found");
  ::close(sv[0]);
  ::close(sv[1]);
}

TEST(ContainerTest, RuntimeErrors) {
  std::string log =
      "{\"level\":\"warning\",\"msg\":\"x\",\"time\":\"t\"}\n"
      "{\"level\":\"error\",\"msg\":\"runc run failed: unable to start container process: exec: "
      "\\\"nope\\\": executable file not found in $PATH\",\"time\":\"t\"}\n";
  std::string msg = CleanRuntimeError(log);
  EXPECT_EQ(msg, "unable to start container process: exec: \"nope\": executable file not found in $PATH");
  EXPECT_EQ(StartFailureStatus(msg), 127);
  EXPECT_EQ(StartFailureStatus("open /x: permission denied"), 126);
  EXPECT_EQ(StartFailureStatus("something else"), 125);
  EXPECT_EQ(CleanRuntimeError("plain text\n"), "plain text");
}

}  // namespace
}  // namespace berth::container
