// Tests for the state encoding (operators/detail/serializable.hpp): the bytes
// append_bytes writes for numbers and strings itself are cereal's binary archive's (a
// store written either way reads back either way), and from_bytes refuses bytes that
// are not a whole encoding, naming what it decoded.
#include <sluice/operators/detail/serializable.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

using sluice::detail::append_bytes;
using sluice::detail::from_bytes;

namespace {

template <class T>
std::string cereal_bytes(const T& value) {
  std::ostringstream os;
  {
    cereal::BinaryOutputArchive archive(os);
    archive(value);
  }
  return os.str();
}

template <class T>
void check_same_as_cereal(const T& value) {
  std::string ours;
  append_bytes(ours, value);
  CHECK(ours == cereal_bytes(value));
  CHECK(from_bytes<T>(ours, "a test value") == value);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

enum class Colour : std::uint16_t { red = 1, blue = 500 };

}  // namespace

TEST_CASE("numbers and strings are encoded as cereal's binary archive encodes them") {
  check_same_as_cereal(std::uint64_t{0});
  check_same_as_cereal(std::numeric_limits<std::uint64_t>::max());
  check_same_as_cereal(std::int32_t{-7});
  check_same_as_cereal(3.25);
  check_same_as_cereal('x');
  check_same_as_cereal(Colour::blue);
  check_same_as_cereal(std::string());
  check_same_as_cereal(std::string("w12345"));
  check_same_as_cereal(std::string(1000, '\0'));
  // Types cereal encodes stay cereal's, and may hold the fast ones.
  check_same_as_cereal(true);
  check_same_as_cereal(std::make_pair(std::string("k"), std::uint64_t{9}));
  check_same_as_cereal(std::vector<std::string>{"a", "bc"});
}

TEST_CASE("bytes that are not a whole encoding are refused, naming what was decoded") {
  CHECK(message_of([] { from_bytes<std::uint64_t>(std::string(7, 'a'), "a key"); }) ==
        "cannot decode a key (7 bytes for a 8-byte number)");
  std::string s;
  append_bytes(s, std::string("abc"));
  CHECK(message_of([&] { from_bytes<std::string>(s.substr(0, s.size() - 1), "a key"); }) ==
        "cannot decode a key (a string's length does not match its bytes)");
  CHECK(message_of([&] { from_bytes<std::string>(s + "d", "a key"); }) ==
        "cannot decode a key (a string's length does not match its bytes)");
  CHECK(message_of([] { from_bytes<std::string>("abc", "a key"); }) ==
        "cannot decode a key (a string's length does not match its bytes)");
}
