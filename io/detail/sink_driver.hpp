// SinkDriver: the logic of a sink step on one worker: writes every arriving batch to
// the partition(s) this worker owns, one write_batch per partition per batch, and
// closes them when the input ends. Internal to io/.
//
// Recovery (sluice/recovery/worker_snapshots.hpp): with `snap` on, the input is
// written in epoch order (EpochStash), and before a batch of an epoch past a
// snapshot epoch the driver writes the committed position (snapshot(): durable) of
// every part written since; a resumed part truncates to its committed position, so
// the output holds each record once. The parts are closed (renamed into place)
// before the step says it has passed everything, so a finished run's last commit
// comes after its files are final.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sluice/io/detail/part_error.hpp>
#include <sluice/io/detail/part_list.hpp>
#include <sluice/io/sink_partition.hpp>
#include <sluice/operators/detail/epoch_stash.hpp>
#include <sluice/operators/operator_builder.hpp>
#include <sluice/recovery/layout.hpp>

namespace sluice::io::detail {

template <class T>
struct OwnedPart {
  std::string name;
  std::unique_ptr<StatelessSinkPartition<T>> part;
  std::vector<T> pending;                // this batch's records for the part
  SinkPartition<T>* stateful = nullptr;  // the part, if it has a position
  bool written = false;                  // since its position was last written
};

// `slot_of(record)` picks the owned part of a record (an index into `parts`); it is
// only called when this worker owns several parts.
template <class T, class SlotOf>
class SinkDriver {
 public:
  SinkDriver(InputPort<T> in, std::vector<OwnedPart<T>> parts, SlotOf slot_of,
             std::optional<PartList::Lease> lease, recovery::StepSnapshots snap = {})
      : in_(in),
        parts_(std::move(parts)),
        slot_of_(std::move(slot_of)),
        lease_(std::move(lease)),
        snap_(std::move(snap)) {
    for (OwnedPart<T>& p : parts_) p.stateful = dynamic_cast<SinkPartition<T>*>(p.part.get());
    dirty_at_ = snap_.first_epoch();
  }

  void operator()(OperatorContext& ctx) {
    if (snap_.on()) {
      run_recovering(ctx);
      return;
    }
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
    close_if_done(ctx);
  }

 private:
  // Closes (publishes) the parts once the input ended, unless a stop signal stopped
  // the run first (ctx.begin_publishing).
  void close_if_done(OperatorContext& ctx) {
    if (!closed_ && ctx.inputs_done()) {
      closed_ = true;
      if (!ctx.begin_publishing()) return;
      for (OwnedPart<T>& p : parts_) {
        const PartContext where{ctx.step_path(), ctx.worker_index(), std::nullopt, p.name};
        in_part(
            where, [&] { p.part->close(); }, "closing");
      }
    }
  }

  void run_recovering(OperatorContext& ctx) {
    stash_.run(ctx, ctx.input(in_), [&](std::span<T> items, const sluice::detail::Stashed& at) {
      const Epoch e = at.epoch();
      if (dirty_ && e != dirty_at_ && snap_.crossing(dirty_at_, e)) write_positions(ctx);
      dirty_ = true;
      dirty_at_ = std::max(dirty_at_, e);
      if (parts_.empty()) {
        throw std::logic_error("records reached a worker that owns no part of the sink");
      }
      for (T& record : items) {
        OwnedPart<T>& p = parts_.size() == 1 ? parts_[0] : parts_[slot_of_(record)];
        p.pending.push_back(std::move(record));
      }
      for (OwnedPart<T>& p : parts_) {
        if (p.pending.empty()) continue;
        p.written = true;
        write(ctx, e, p, p.pending);
      }
    });
    const Frontier& frontier = ctx.frontier(0);
    if (frontier.empty()) {
      // Not when a savepoint stopped the run first: the parts stay temporary, and a
      // resumed run goes on with them.
      close_if_done(ctx);
      snap_.passed(recovery::layout::kComplete);
      return;
    }
    if (dirty_ && snap_.crossing(dirty_at_, frontier.least())) write_positions(ctx);
    snap_.passed(frontier.least());
  }

  void write_positions(OperatorContext& ctx) {
    for (OwnedPart<T>& p : parts_) {
      if (!p.written || p.stateful == nullptr) continue;
      p.written = false;
      const PartContext where{ctx.step_path(), ctx.worker_index(), dirty_at_, p.name};
      const std::string at = in_part(
          where, [&] { return p.stateful->snapshot(); }, "committing");
      snap_.put(hash_key(p.name), p.name, dirty_at_, at);
    }
    dirty_ = false;
  }

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
  recovery::StepSnapshots snap_;
  sluice::detail::EpochStash<T> stash_;
  bool dirty_ = false;  // written since the positions were, at epochs up to dirty_at_
  Epoch dirty_at_ = 0;
};

}  // namespace sluice::io::detail
