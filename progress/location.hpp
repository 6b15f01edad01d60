// Ports of the dataflow graph as the progress tracker names them. Timely naming: a Source is an
// operator OUTPUT port (where capabilities live), a Target is an operator INPUT port (where
// messages in flight are counted).
#pragma once

#include <compare>
#include <cstdint>

namespace sluice::progress {

enum class PortKind : uint8_t { Source, Target };

// Output port `port` of node `node`.
struct Source {
  uint32_t node;
  uint32_t port;
  auto operator<=>(const Source&) const = default;
};

// Input port `port` of node `node`.
struct Target {
  uint32_t node;
  uint32_t port;
  auto operator<=>(const Target&) const = default;
};

// Either kind of port.
struct Location {
  uint32_t node;
  uint32_t port;
  PortKind kind;
  auto operator<=>(const Location&) const = default;

  static Location of(Source s) { return {s.node, s.port, PortKind::Source}; }
  static Location of(Target t) { return {t.node, t.port, PortKind::Target}; }
  bool is_source() const { return kind == PortKind::Source; }
  bool is_target() const { return kind == PortKind::Target; }
};

}  // namespace sluice::progress
