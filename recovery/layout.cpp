// The recovery layout's encodings (layout.hpp).
#include <sluice/recovery/layout.hpp>

#include <sluice/engine/key_hash.hpp>

namespace sluice::recovery::layout {

namespace {

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

constexpr std::size_t kHead = 1 + 4 + 8 + 4;  // 'S' node hash length

}  // namespace

std::uint32_t partition_of(std::uint32_t node, std::uint64_t hash, std::uint32_t partitions) {
  return route(hash_combine(hash, node), partitions);
}

void append_state_key(std::string& out, std::uint32_t node, std::uint64_t hash,
                      std::string_view key, Epoch tag) {
  out.push_back('S');
  put_be(out, node, 4);
  put_be(out, hash, 8);
  put_be(out, key.size(), 4);
  out.append(key);
  put_be(out, tag, 8);
}

std::string state_key(std::uint32_t node, std::uint64_t hash, std::string_view key, Epoch tag) {
  std::string out;
  out.reserve(kHead + key.size() + 8);
  append_state_key(out, node, hash, key, tag);
  return out;
}

std::string step_prefix(std::uint32_t node) {
  std::string out(1, 'S');
  put_be(out, node, 4);
  return out;
}

std::optional<StateKey> parse_state_key(std::string_view b) {
  if (b.size() < kHead + 8 || b[0] != 'S') return std::nullopt;
  const std::uint64_t length = get_be(b, 13, 4);
  if (b.size() != kHead + length + 8) return std::nullopt;
  return StateKey{static_cast<std::uint32_t>(get_be(b, 1, 4)), get_be(b, 5, 8),
                  b.substr(kHead, length), get_be(b, kHead + length, 8)};
}

std::string_view without_tag(std::string_view state_key) {
  return state_key.substr(0, state_key.size() - 8);
}

std::string value(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 1);
  out.push_back(kLiveByte);
  out.append(bytes);
  return out;
}
std::string tombstone() {
  return "T";
}
void append_value(std::string& out, std::string_view bytes) {
  out.push_back(kLiveByte);
  out.append(bytes);
}
void append_tombstone(std::string& out) {
  out.push_back('T');
}
bool is_tombstone(std::string_view stored) {
  return stored.empty() || stored[0] != kLiveByte;
}
std::string_view value_bytes(std::string_view stored) {
  return stored.substr(1);
}

std::string source_position(std::string_view at, std::string_view stamp) {
  std::string out;
  out.reserve(4 + at.size() + stamp.size());
  put_be(out, at.size(), 4);
  out.append(at);
  out.append(stamp);
  return out;
}
std::optional<SourcePosition> parse_source_position(std::string_view b) {
  if (b.size() < 4) return std::nullopt;
  const std::uint64_t length = get_be(b, 0, 4);
  if (b.size() - 4 < length) return std::nullopt;
  return SourcePosition{b.substr(4, length), b.substr(4 + length)};
}

std::string meta_key(std::string_view name) {
  std::string out(kMetaPrefix);
  out.append(name);
  return out;
}

std::string encode_u64(std::uint64_t v) {
  std::string out;
  put_be(out, v, 8);
  return out;
}
std::optional<std::uint64_t> decode_u64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return get_be(bytes, 0, 8);
}
std::string encode_u32(std::uint32_t v) {
  std::string out;
  put_be(out, v, 4);
  return out;
}

}  // namespace sluice::recovery::layout
