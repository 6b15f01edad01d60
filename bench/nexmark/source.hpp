// NexmarkSource: the generator as a fixed-partition source. Partition p of P makes the
// event numbers p, p + P, p + 2P, ... below config.events, so every partition's event
// time advances at the pace of the whole stream (its watermark does not hold the
// others back) and the events of all partitions are exactly those of one serial
// generator, whatever P. P is one partition per worker, at least `min_parts`, or
// exactly `fixed_parts` when that is given (a run with a recovery directory: its
// partitions, and so its resume positions, must not depend on -w). Only the
// event kinds in `kinds` are made (KindSet; a query that reads bids only skips the
// rest). A partition's snapshot is its next event number (decimal); it resumes there.
// BidSource makes Bid records (the bids alone) the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sluice/sluice.hpp>

#include "generator.hpp"

namespace sluice::nexmark {

// T = Event: every kind in `kinds`; T = Bid: the bids alone (a bids table; `kinds` is
// then kBids whatever is given), made without an Event around them.
template <class T>
class GeneratorSource final : public io::FixedPartitionedSource<T> {
 public:
  // Throws ConfigError for a configuration the generator refuses.
  explicit GeneratorSource(GeneratorConfig config, unsigned kinds = kAllKinds,
                           std::uint32_t min_parts = 1, std::size_t batch = 1024,
                           std::uint32_t fixed_parts = 0);

  std::vector<std::string> list_parts(std::uint32_t workers) override;
  std::unique_ptr<io::SourcePartition<T>> build_part(
      const std::string& step_path, const std::string& part,
      std::optional<std::string> resume_state) override;

  const GeneratorConfig& config() const { return config_; }
  std::uint32_t min_parts() const { return min_parts_; }
  std::size_t batch() const { return batch_; }
  std::uint32_t fixed_parts() const { return fixed_parts_; }

 private:
  GeneratorConfig config_;
  unsigned kinds_;
  std::uint32_t min_parts_;
  std::size_t batch_;
  std::uint32_t fixed_parts_;  // 0: per worker
};

using NexmarkSource = GeneratorSource<Event>;
using BidSource = GeneratorSource<Bid>;
extern template class GeneratorSource<Event>;
extern template class GeneratorSource<Bid>;

}  // namespace sluice::nexmark
