// Tests for progress messages and the per-sender FIFO sequence check.
#include <sluice/progress/progress_message.hpp>

#include <cstdint>
#include <string>

#include <doctest/doctest.h>

using namespace sluice::progress;

TEST_CASE("messages from each sender in sequence order are accepted") {
  SequenceChecker checker(2);
  CHECK(checker.accept(0, 0));
  CHECK(checker.accept(1, 0));
  CHECK(checker.accept(0, 1));
  CHECK(checker.accept(0, 2));
  CHECK(checker.accept(1, 1));
  CHECK(checker.expected(0) == 3);
}

TEST_CASE("a gap in a sender's sequence is refused and described") {
  SequenceChecker checker(3);
  CHECK(checker.accept(2, 0));
  CHECK_FALSE(checker.accept(2, 2));
  const std::string why = checker.describe(2, 2);
  CHECK(why.find("worker 2") != std::string::npos);
  CHECK(why.find("expected 1") != std::string::npos);
  CHECK(why.find("gap") != std::string::npos);
  CHECK(checker.accept(2, 1));  // the refused message changed nothing
}

TEST_CASE("a repeated message is refused and described") {
  SequenceChecker checker(1);
  CHECK(checker.accept(0, 0));
  CHECK_FALSE(checker.accept(0, 0));
  CHECK(checker.describe(0, 0).find("repeat") != std::string::npos);
}

TEST_CASE("a message from an unknown sender is refused") {
  SequenceChecker checker(2);
  CHECK_FALSE(checker.accept(2, 0));
  CHECK(checker.describe(2, 0).find("unknown worker 2") != std::string::npos);
}

TEST_CASE("progress updates compare by value") {
  ProgressUpdate<uint64_t> a{Location::of(Source{1, 0}), 4, -1};
  ProgressUpdate<uint64_t> b = a;
  CHECK(a == b);
  b.location = Location::of(Target{1, 0});
  CHECK_FALSE(a == b);
}
