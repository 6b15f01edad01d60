// SinkDriver: the logic of a sink step on one worker: writes every arriving batch to
// the partition(s) this worker owns, one write_batch per partition per batch, and
// closes them when the input ends. Internal to io/.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/part_error.hpp>
#include <sluice/io/detail/part_list.hpp>
#include <sluice/io/sink_partition.hpp>
#include <sluice/operators/operator_builder.hpp>

namespace sluice::io::detail {

template <class T>
struct OwnedPart {
  std::string name;
  std::unique_ptr<StatelessSinkPartition<T>> part;
  std::vector<T> pending;  // this batch's records for the part
};

// `slot_of(record)` picks the owned part of a record (an index into `parts`); it is
// only called when this worker owns several parts.
template <class T, class SlotOf>
class SinkDriver {
 public:
  SinkDriver(InputPort<T> in, std::vector<OwnedPart<T>> parts, SlotOf slot_of,
             std::optional<PartList::Lease> lease)
      : in_(in), parts_(std::move(parts)), slot_of_(std::move(slot_of)), lease_(std::move(lease)) {}

  void operator()(OperatorContext& ctx) {
    ctx.input(in_).for_each([&](InputBatch<T>& batch) {
      if (parts_.size() == 1) {
        write(ctx, batch.epoch(), parts_[0], batch.items());
        return;
      }
      if (parts_.empty()) {
        throw std::logic_error("records reached a worker that owns no part of the sink");
      }
      for (T& record : batch) parts_[slot_of_(record)].pending.push_back(std::move(record));
      for (OwnedPart<T>& p : parts_) {
        if (!p.pending.empty()) write(ctx, batch.epoch(), p, p.pending);
      }
    });
    if (!closed_ && ctx.inputs_done()) {
      closed_ = true;
      for (OwnedPart<T>& p : parts_) {
        const PartContext where{ctx.step_path(), ctx.worker_index(), std::nullopt, p.name};
        in_part(
            where, [&] { p.part->close(); }, "closing");
      }
    }
  }

 private:
  void write(OperatorContext& ctx, Epoch epoch, OwnedPart<T>& p, std::vector<T>& items) {
    const PartContext where{ctx.step_path(), ctx.worker_index(), epoch, p.name};
    in_part(where, [&] { p.part->write_batch(items); });
    items.clear();
  }

  InputPort<T> in_;
  std::vector<OwnedPart<T>> parts_;
  SlotOf slot_of_;
  std::optional<PartList::Lease> lease_;
  bool closed_ = false;
};

}  // namespace sluice::io::detail
