#include "runtime/json_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/file.h"

namespace berth::runtime {
namespace {

// testdata/docker-20.10-json-file-*: recorded with docker 20.10.24 (a private
// dockerd), `docker run --network none` of a busybox image running the
// matching .sh script (mix.log: plain, tty.log: with -t), the LogPath file
// copied; *.out / *.err: `docker logs [-t]` of that container, stdout and
// stderr; crafted.log: a file written by hand over a stopped container's
// LogPath, read back with `docker logs -t`.
std::string TestData(const std::string& name) {
  return ReadFile(std::string(BERTH_RUNTIME_TESTDATA) + "/docker-20.10-json-file-" + name).value();
}

// The "time" of each record of a recording, in file order.
std::vector<int64_t> RecordedTimes(const std::string& log) {
  std::vector<int64_t> times;
  size_t pos = 0;
  while ((pos = log.find("\"time\":\"", pos)) != std::string::npos) {
    pos += 8;
    size_t end = log.find('"', pos);
    times.push_back(ParseRfc3339(log.substr(pos, end - pos)).value());
  }
  return times;
}

class JsonLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base != nullptr ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    dir_ = MakeTempDir(parent, "runtime-json-log-").value();
    path_ = dir_ + "/c-json.log";
  }
  void TearDown() override { (void)RemoveAll(dir_); }

  std::unique_ptr<JsonLogWriter> Open() {
    auto w = JsonLogWriter::Open(path_);
    EXPECT_TRUE(w.ok()) << w.error().message;
    return std::move(w).value();
  }
  void Put(const std::string& content) { ASSERT_TRUE(WriteFileAtomic(path_, content).ok()); }
  void Append(const std::string& bytes) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }

  std::string dir_, path_;
};

Status W(JsonLogWriter& w, LogStream s, const std::string& bytes, int64_t ns) {
  return w.Write(s, std::span<const char>(bytes.data(), bytes.size()), ns);
}

constexpr auto kOut = LogStream::kStdout;
constexpr auto kErr = LogStream::kStderr;

// --- writer -----------------------------------------------------------------

TEST(DockerJsonString, EscapesAsDockersJsonFileDriver) {
  auto q = [](std::string_view s) {
    std::string out;
    AppendDockerJsonString(out, s);
    return out;
  };
  EXPECT_EQ(q("<a href=\"x\">&amp;</a>"),
            R"("\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e")");
  EXPECT_EQ(q("\t\r\n\\\x01\x1b\x7f"), "\"\\u0009\\r\\n\\\\\\u0001\\u001b\x7f\"");
  // Go's utf8.DecodeRune: each byte of an invalid sequence is one U+FFFD.
  EXPECT_EQ(q("\xff\xfe|\xe2\x82|\xed\xa0\x80|\xc0\x80|\xf4\x90\x80\x80"),
            R"("\ufffd\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd|\ufffd\ufffd|\ufffd\ufffd\ufffd\ufffd")");
  EXPECT_EQ(q("\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd"), "\"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\"");
  EXPECT_EQ(q("a\xe2\x80\xa8" "b\xe2\x80\xa9"), R"("a\u2028b\u2029")");
  EXPECT_EQ(q("\xe2"), R"("\ufffd")");
}

TEST(EncodeJsonLogRecord, DropsTrailingZerosOfTheTime) {
  EXPECT_EQ(EncodeJsonLogRecord("x\n", kErr, 1764417600100000000),
            "{\"log\":\"x\\n\",\"stream\":\"stderr\",\"time\":\"2025-11-29T12:00:00.1Z\"}\n");
  EXPECT_EQ(EncodeJsonLogRecord("x", kOut, 1764417600000000000),
            "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"2025-11-29T12:00:00Z\"}\n");
}

// Replays what the recorded container printed (docker-20.10-json-file-mix.sh)
// with the times docker gave each record: the file must be docker's, byte for
// byte (lines, a line ended in a later write, 16 KiB cuts sharing the time of
// the first cut, a cut inside a UTF-8 sequence, lines without newline at exit).
TEST_F(JsonLogTest, WriterMatchesDockerByteForByte) {
  const std::string want = TestData("mix.log");
  std::vector<int64_t> t = RecordedTimes(want);
  ASSERT_EQ(t.size(), 16u);
  auto w = Open();
  ASSERT_TRUE(W(*w, kOut, "hello\n", t[0]).ok());
  ASSERT_TRUE(W(*w, kOut, "part1", t[0] + 1000).ok());
  EXPECT_EQ(w->pending(kOut), 5u);
  ASSERT_TRUE(W(*w, kOut, "part2\n", t[1]).ok());
  ASSERT_TRUE(W(*w, kOut, "\n", t[2]).ok());
  ASSERT_TRUE(
      W(*w, kOut, "<a href=\"x\">&amp;</a> tab\there cr\rbs\\ q\" ctl\001\033\177\n", t[3]).ok());
  ASSERT_TRUE(W(*w, kOut,
                "bad:\377\376|trunc:\342\202|sur:\355\240\200|over:\300\200|ok:\303\251\360\237\230"
                "\200|ls:\342\200\250ps:\342\200\251|fffd:\357\277\275\n",
                t[4]).ok());
  ASSERT_TRUE(W(*w, kErr, "to-stderr\n", t[5]).ok());
  // 40000 'a': cuts of 16384, 16384, then 7232 + "\n", all at the first cut's time.
  ASSERT_TRUE(W(*w, kOut, std::string(40000, 'a'), t[6]).ok());
  ASSERT_TRUE(W(*w, kOut, "\n", t[6] + 5000).ok());
  // Exactly 16384 'b' then "\n": a full cut, then a record of "\n" alone.
  ASSERT_TRUE(W(*w, kOut, std::string(16384, 'b') + "\n", t[9]).ok());
  // 16383 'c' + "\n" fit the buffer: one record.
  ASSERT_TRUE(W(*w, kOut, std::string(16383, 'c') + "\n", t[11]).ok());
  // 16383 'd' + "é": the cut splits the é, each half is invalid UTF-8.
  ASSERT_TRUE(W(*w, kOut, std::string(16383, 'd') + "\303\251tail\n", t[12]).ok());
  ASSERT_TRUE(W(*w, kErr, "err-partial", t[12] + 7).ok());
  ASSERT_TRUE(W(*w, kOut, "noeol", t[12] + 9).ok());
  ASSERT_TRUE(w->Flush(kOut, t[14]).ok());
  ASSERT_TRUE(w->Flush(kErr, t[15]).ok());
  ASSERT_TRUE(w->Flush(kErr, t[15] + 1).ok());  // nothing left: no record
  EXPECT_EQ(ReadFile(path_).value(), want);
  mode_t mask = umask(0);
  umask(mask);
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~mask);
}

// `docker run -t`: the terminal's output is all "stdout", "\r\n" kept.
TEST_F(JsonLogTest, WriterMatchesDockerForATerminal) {
  const std::string want = TestData("tty.log");
  std::vector<int64_t> t = RecordedTimes(want);
  ASSERT_EQ(t.size(), 4u);
  auto w = Open();
  ASSERT_TRUE(W(*w, kOut, "out1\r\n", t[0]).ok());
  ASSERT_TRUE(W(*w, kOut, "err1\r\n", t[1]).ok());
  ASSERT_TRUE(W(*w, kOut, "cr-only\r", t[1] + 10).ok());
  ASSERT_TRUE(W(*w, kOut, "part", t[1] + 20).ok());
  ASSERT_TRUE(W(*w, kOut, "ial\r\n", t[2]).ok());
  ASSERT_TRUE(W(*w, kOut, "noeol", t[2] + 30).ok());
  ASSERT_TRUE(w->Flush(t[3]).ok());
  EXPECT_EQ(ReadFile(path_).value(), want);
}

// How the bytes arrive does not change the records, only their times.
TEST_F(JsonLogTest, WriterSplitsTheSameWhateverTheChunks) {
  std::string input;
  for (int i = 0; i < 50; i++) input += std::string(i * 997 % 40000, 'x') + "\n";
  input += "tail";
  auto one = Open();
  ASSERT_TRUE(W(*one, kOut, input, 1).ok());
  ASSERT_TRUE(one->Flush(1).ok());
  std::string whole = ReadFile(path_).value();
  ASSERT_TRUE(RemoveAll(path_).ok());
  auto bytewise = Open();
  for (size_t i = 0; i < input.size(); i += 7) {
    ASSERT_TRUE(W(*bytewise, kOut, input.substr(i, 7), 1).ok());
  }
  ASSERT_TRUE(bytewise->Flush(1).ok());
  EXPECT_EQ(ReadFile(path_).value(), whole);
  size_t records = 1;  // "tail"
  for (int i = 0; i < 50; i++) records += i * 997 % 40000 / kLogLineBufferSize + 1;
  EXPECT_EQ(static_cast<size_t>(std::count(whole.begin(), whole.end(), '\n')), records);
}

// --- reader -----------------------------------------------------------------

struct Collect : LogSink {
  Status Write(LogStream s, std::string_view b) override {
    (s == kOut ? out : err) += b;
    records.emplace_back(b);
    return Ok();
  }
  std::string out, err;
  std::vector<std::string> records;
};

Collect Read(const std::string& path, const LogReadOptions& o, LogReadStats* stats = nullptr) {
  Collect c;
  Status s = ReadJsonLog(path, o, c, stats);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return c;
}

TEST_F(JsonLogTest, ReadsAsDockerLogsPrints) {
  Put(TestData("mix.log"));
  Collect all = Read(path_, {});
  EXPECT_EQ(all.out, TestData("mix.out"));
  EXPECT_EQ(all.err, TestData("mix.err"));
  Collect t = Read(path_, {.timestamps = true});
  EXPECT_EQ(t.out, TestData("mix.t.out"));
  EXPECT_EQ(t.err, TestData("mix.t.err"));
  EXPECT_EQ(Read(path_, {.show_stderr = false}).err, "");
  EXPECT_EQ(Read(path_, {.show_stdout = false}).out, "");
}

// Keys in any case, escapes, lone surrogates, raw invalid UTF-8, zone
// offsets kept by -t, no "time" (Go's zero time), an unknown stream, a blank line.
TEST_F(JsonLogTest, DecodesAsDockersGoDecoder) {
  Put(TestData("crafted.log"));
  Collect t = Read(path_, {.timestamps = true});
  EXPECT_EQ(t.out, TestData("crafted.t.out"));
  EXPECT_EQ(t.err, TestData("crafted.t.err"));
}

TEST_F(JsonLogTest, TailCountsRecords) {
  Put(TestData("mix.log"));
  // docker logs --tail 2: the last two records, cut lines counting as records.
  Collect two = Read(path_, {.tail = 2});
  EXPECT_EQ(two.records, (std::vector<std::string>{"noeol", "err-partial"}));
  EXPECT_EQ(Read(path_, {.tail = 0}).records.size(), 0u);
  EXPECT_EQ(Read(path_, {.tail = 16}).records.size(), 16u);
  EXPECT_EQ(Read(path_, {.tail = 1000}).records.size(), 16u);
  EXPECT_EQ(Read(path_, {.tail = -3}).records.size(), 16u);  // negative: all, as docker
  Collect four = Read(path_, {.tail = 4});
  EXPECT_EQ(four.records[0], std::string(16384, 'd').replace(16383, 1, "\xef\xbf\xbd"));
}

TEST_F(JsonLogTest, SinceAndUntilIncludeTheirInstant) {
  std::string log = TestData("mix.log");
  Put(log);
  std::vector<int64_t> t = RecordedTimes(log);
  // docker logs --since <time of record 3> shows record 3 onwards; 1 ns later, not it.
  EXPECT_EQ(Read(path_, {.since_ns = t[2]}).records.front(), "\n");
  EXPECT_EQ(Read(path_, {.since_ns = t[2] + 1}).records.front().substr(0, 2), "<a");
  EXPECT_EQ(Read(path_, {.until_ns = t[2]}).records,
            (std::vector<std::string>{"hello\n", "part1part2\n", "\n"}));
  EXPECT_EQ(Read(path_, {.until_ns = t[2] - 1}).records.size(), 2u);
  EXPECT_EQ(Read(path_, {.since_ns = t[15] + 1}).records.size(), 0u);  // a future since
  EXPECT_EQ(Read(path_, {.until_ns = t[0] - 1}).records.size(), 0u);
  // --tail first, then --since among those records.
  EXPECT_EQ(Read(path_, {.tail = 3, .since_ns = t[14]}).records,
            (std::vector<std::string>{"noeol", "err-partial"}));
}

const std::string kR1 = R"({"log":"r1\n","stream":"stdout","time":"2026-11-29T12:00:00.1Z"})" "\n";
const std::string kR2 = R"({"log":"r2\n","stream":"stderr","time":"2026-11-29T12:00:01Z"})" "\n";
const std::string kR3 = R"({"log":"r3\n","stream":"stdout","time":"2026-11-29T12:00:02Z"})" "\n";

TEST_F(JsonLogTest, SkipsMalformedLines) {
  Put(kR1 + "this is garbage\n{\"log\":\"x\"\n" + kR2 + "{\"log\":\"t\",\"time\":\"yesterday\"}\n" +
      std::string(2 << 20, '{') + "\n" + kR3);
  LogReadStats st;
  EXPECT_EQ(Read(path_, {}, &st).records, (std::vector<std::string>{"r1\n", "r2\n", "r3\n"}));
  EXPECT_EQ(st.malformed, 4u);
}

TEST_F(JsonLogTest, ATruncatedLastLineIsNotARecord) {
  Put(kR1 + kR2 + kR3.substr(0, 20));
  EXPECT_EQ(Read(path_, {}).records, (std::vector<std::string>{"r1\n", "r2\n"}));
  EXPECT_EQ(Read(path_, {.tail = 1}).records, (std::vector<std::string>{"r2\n"}));
  EXPECT_EQ(Read(path_, {.tail = 0}).records.size(), 0u);
}

TEST_F(JsonLogTest, MissingFileIsNotFound) {
  Collect c;
  Status s = ReadJsonLog(dir_ + "/absent", {}, c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kNotFound);
}

struct FailingSink : LogSink {
  Status Write(LogStream, std::string_view) override {
    return MakeError(Code::kInternal, "broken pipe");
  }
};

TEST_F(JsonLogTest, SinkErrorStopsTheRead) {
  Put(kR1 + kR2);
  FailingSink sink;
  Status s = ReadJsonLog(path_, {}, sink);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "broken pipe");
}

// --tail 5 of a 100 MiB log reads its end, not the file.
TEST_F(JsonLogTest, TailOfAHugeLogReadsOnlyItsEnd) {
  std::string chunk;
  while (chunk.size() < (1 << 20)) chunk += kR1;
  {
    UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
    ASSERT_TRUE(fd.valid());
    for (int i = 0; i < 100; i++) {
      ASSERT_EQ(::write(fd.get(), chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    }
  }
  auto w = Open();
  for (int i = 1; i <= 5; i++) ASSERT_TRUE(W(*w, kOut, "last" + std::to_string(i) + "\n", 7).ok());
  LogReadStats st;
  Collect c = Read(path_, {.tail = 5}, &st);
  EXPECT_EQ(c.out, "last1\nlast2\nlast3\nlast4\nlast5\n");
  EXPECT_EQ(st.records, 5u);
  EXPECT_LE(st.bytes_read, 2u * 64 * 1024);  // one 64 KiB block back, one forward
}

// -f: records appended while the reader waits arrive, a record written in
// two pieces arrives whole, and the read ends once the writer says it has
// stopped and everything it wrote was read.
TEST_F(JsonLogTest, FollowReadsAppendsUntilStopped) {
  Put(kR1);
  std::atomic<bool> running = true;
  auto write = [&] {
    auto w = Open();
    for (int i = 0; i < 20; i++) {
      ASSERT_TRUE(W(*w, i % 2 ? kErr : kOut, "line" + std::to_string(i) + "\n", NowNanos()).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Append(kR3.substr(0, 25));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Append(kR3.substr(25));
    ASSERT_TRUE(W(*w, kOut, "bye", NowNanos()).ok());
    ASSERT_TRUE(w->Flush(NowNanos()).ok());
  };
  std::thread writer([&] {
    write();
    running = false;  // also after a failed ASSERT, so the reader ends
  });
  Collect c = Read(path_, {.follow = true, .still_running = [&] { return running.load(); },
                           .poll_ms = 20});
  writer.join();
  ASSERT_EQ(c.records.size(), 1u + 20 + 1 + 1);
  EXPECT_EQ(c.records[0], "r1\n");
  for (int i = 0; i < 20; i++) EXPECT_EQ(c.records[1 + i], "line" + std::to_string(i) + "\n");
  EXPECT_EQ(c.records[21], "r3\n");
  EXPECT_EQ(c.records[22], "bye");
}

// -f --tail 0 shows only what comes after; a record after --until ends it.
TEST_F(JsonLogTest, FollowWithTailZeroAndUntil) {
  Put(kR1 + kR2);
  std::atomic<int> asked = 0;
  std::thread writer([&] {
    for (int i = 0; asked < 2 && i < 5000; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Append(kR3);
    Append(R"({"log":"late\n","stream":"stdout","time":"2026-11-29T12:00:09Z"})" "\n");
  });
  Collect c = Read(path_, {.tail = 0,
                           .until_ns = ParseRfc3339("2026-11-29T12:00:05Z").value(),
                           .follow = true,
                           .still_running = [&] { asked++; return true; },
                           .poll_ms = 10});
  writer.join();
  EXPECT_EQ(c.records, (std::vector<std::string>{"r3\n"}));
}

// A follower of a stopped container reads what is there and returns.
TEST_F(JsonLogTest, FollowOfAStoppedContainerReturns) {
  Put(kR1 + kR2.substr(0, 10));
  Collect c = Read(path_, {.follow = true, .still_running = [] { return false; }});
  EXPECT_EQ(c.records, (std::vector<std::string>{"r1\n"}));
}

}  // namespace
}  // namespace berth::runtime
