// Emitter<K, U> and LogicAction: what a keyed operator's per-key logic uses to emit
// records and to say whether its key's state lives on.
//
// An Emitter writes (key, value) records at the epoch the logic is running for (the
// item's epoch, or for on_notify/on_eof the operator's current frontier epoch). It
// is valid only during the call it is passed to.
#pragma once

#include <concepts>
#include <utility>

#include <sluice/operators/operator_context.hpp>

namespace sluice {

// What a keyed logic returns from each call: keep the key's state, or discard it (the
// next item for the key starts from fresh state). Bytewax's RETAIN / DISCARD.
enum class LogicAction : bool { retain = false, discard = true };

template <class K, class U>
class Emitter {
 public:
  Emitter(Session<std::pair<K, U>>& session, const K& key) : session_(&session), key_(&key) {}

  // Emits (key, value).
  void operator()(U value) { session_->give(std::pair<K, U>(*key_, std::move(value))); }
  void emit(U value) { (*this)(std::move(value)); }

  const K& key() const { return *key_; }
  Epoch epoch() const { return session_->epoch(); }

 private:
  Session<std::pair<K, U>>* session_;
  const K* key_;
};

}  // namespace sluice
