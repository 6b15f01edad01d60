// The recovery layout: what the keys and values of a recovery store (store.hpp) mean.
// Internal to recovery/ and its tool; the bytes are a format (kFormat), changed only
// with the version.
//
// State: one version per (step, key, snapshot epoch). Key:
//   'S' node:u32 hash:u64 length:u32 key-bytes tag:u64          (integers big-endian)
// so a step's keys sort together, a key's versions sort together, oldest first, and
// the key bytes (cereal's encoding of the key, or a partition's name) never run into
// the tag. Value: 'V' value-bytes, or 'T' (a tombstone: the key was discarded at
// that epoch). A (step, key) lives in partition partition_of(node, hash, P).
//
// A source partition's version (key: the partition's name) holds its position:
//   at-length:u32 at stamp
// `at` is what the partition's snapshot() said, `stamp` what the source's epochs need
// besides (an event-time partition's watermark; empty for ingestion epochs).
//
// Metadata: 'M' name. In every partition, "durable" (tag:u64): the partition holds
// every version up to that snapshot epoch. In partition 0 also "format" (kFormat),
// "fingerprint" (the dataflow's description, text), "exec/" n:u32 (text: one line
// per execution). A step is named by its fingerprint line: line n is node n.
//
// Decision: the committed epoch is the least "durable" over the partitions (each
// partition commits on its own, so a kill between two partitions' commits leaves
// some ahead); versions after it are deleted when a run resumes, before it writes.
// kComplete marks a run that finished: every source was exhausted and every version
// is in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sluice/engine/epoch.hpp>

namespace sluice::recovery::layout {

inline constexpr int kFormat = 1;
inline constexpr Epoch kComplete = ~Epoch{0};

struct StateKey {
  std::uint32_t node;
  std::uint64_t hash;
  std::string_view key;
  Epoch tag;
};

std::uint32_t partition_of(std::uint32_t node, std::uint64_t hash, std::uint32_t partitions);

// Appends the encodings to `out`.
void append_state_key(std::string& out, std::uint32_t node, std::uint64_t hash,
                      std::string_view key, Epoch tag);
std::string state_key(std::uint32_t node, std::uint64_t hash, std::string_view key, Epoch tag);
// The prefix of every version of every key of `node`.
std::string step_prefix(std::uint32_t node);
// nullopt: not a state key (or a malformed one).
std::optional<StateKey> parse_state_key(std::string_view bytes);
// The state key without its tag (the key's identity).
std::string_view without_tag(std::string_view state_key);

// The first byte of a stored value that is not a tombstone.
inline constexpr char kLiveByte = 'V';
std::string value(std::string_view bytes);
std::string tombstone();
void append_value(std::string& out, std::string_view bytes);  // value(bytes), appended
void append_tombstone(std::string& out);
bool is_tombstone(std::string_view stored);
std::string_view value_bytes(std::string_view stored);  // precondition: !is_tombstone

struct SourcePosition {
  std::string_view at;
  std::string_view stamp;
};
std::string source_position(std::string_view at, std::string_view stamp);
// nullopt: malformed.
std::optional<SourcePosition> parse_source_position(std::string_view bytes);

std::string meta_key(std::string_view name);
inline constexpr std::string_view kMetaPrefix = "M";
inline constexpr std::string_view kStatePrefix = "S";

std::string encode_u64(std::uint64_t v);
std::optional<std::uint64_t> decode_u64(std::string_view bytes);
std::string encode_u32(std::uint32_t v);

}  // namespace sluice::recovery::layout
