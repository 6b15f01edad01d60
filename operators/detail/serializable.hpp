// CerealSerializable<T>: T can be written to and read from a cereal binary archive,
// as every keyed operator's state must be (snapshots, for
// recovery). Includes cereal's support for the standard types keyed state is made of.
// Your own state type needs a `template <class A> void serialize(A& a) { a(x, y); }`
// member (or cereal's save/load pair).
#pragma once

#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <type_traits>

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

namespace sluice {

template <class T>
concept CerealSerializable =
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value;

namespace detail {

// A streambuf appending to a std::string, and one reading a string_view: cereal's
// archives over bytes without a stringstream's copy.
class AppendBuf final : public std::streambuf {
 public:
  explicit AppendBuf(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string& out_;
};
class ViewBuf final : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view in) {
    char* p = const_cast<char*>(in.data());
    setg(p, p, p + in.size());
  }
};

// The types append_bytes encodes itself, as cereal's binary archive does (a number's
// bytes; a string's length as a u64, then its bytes), without an archive's stream per
// value: the snapshot of a key costs a copy. (bool goes through cereal: its decode
// must refuse bytes other than 0 and 1.)
template <class T>
concept RawBytes = (std::is_arithmetic_v<T> || std::is_enum_v<T>)&&!std::is_same_v<T, bool>;

// Appends cereal's binary encoding of `value` to `out`.
template <class T>
void append_bytes(std::string& out, const T& value) {
  if constexpr (RawBytes<T>) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
    return;
  } else if constexpr (std::is_same_v<T, std::string>) {
    const auto n = static_cast<std::uint64_t>(value.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(value);
    return;
  }
  AppendBuf buf(out);
  std::ostream os(&buf);
  cereal::BinaryOutputArchive archive(os);
  archive(value);
}
template <class T>
std::string to_bytes(const T& value) {
  std::string out;
  append_bytes(out, value);
  return out;
}
// Decodes what append_bytes wrote; throws std::runtime_error naming `what` if the
// bytes are not a whole encoding of a T.
template <class T>
T from_bytes(std::string_view bytes, const char* what) {
  if constexpr (RawBytes<T>) {
    if (bytes.size() != sizeof(T)) {
      throw std::runtime_error(std::string("cannot decode ") + what + " (" +
                               std::to_string(bytes.size()) + " bytes for a " +
                               std::to_string(sizeof(T)) + "-byte number)");
    }
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
  } else if constexpr (std::is_same_v<T, std::string>) {
    std::uint64_t n = 0;
    if (bytes.size() < sizeof n ||
        (std::memcpy(&n, bytes.data(), sizeof n), n != bytes.size() - sizeof n)) {
      throw std::runtime_error(std::string("cannot decode ") + what +
                               " (a string's length does not match its bytes)");
    }
    return std::string(bytes.substr(sizeof n));
  }
  ViewBuf buf(bytes);
  std::istream is(&buf);
  T value{};
  try {
    cereal::BinaryInputArchive archive(is);
    archive(value);
  } catch (const cereal::Exception& e) {
    throw std::runtime_error(std::string("cannot decode ") + what + " (" + e.what() + ")");
  }
  if (is.rdbuf()->in_avail() != 0) {
    throw std::runtime_error(std::string("cannot decode ") + what + " (bytes left over)");
  }
  return value;
}

}  // namespace detail
}  // namespace sluice
