// custom_operator: how to write your own operator with sluice's operator primitive.
//
// The operator below computes, per sensor and per epoch, the average of the readings,
// and emits it once the epoch is complete (its input frontier has passed the epoch).
// It shows the pieces every operator uses:
//   - OperatorBuilder: declare inputs (with a pact) and outputs, then build();
//   - the constructor, run once per worker, which returns the logic closure;
//   - InputHandle::for_each over arriving batches, each with its epoch;
//   - InputBatch::retain() to keep a Capability, the right to output at that epoch
//     after the batch is gone, and notify_at()/for_each_notification() to be woken
//     when the frontier passes it;
//   - OutputHandle::session(capability).give(record) to produce output.
//
//   build/examples/custom_operator [-w 2]
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <tuple>

#include <sluice/sluice.hpp>

struct Reading {
  std::string sensor;
  double value;
};

struct Average {
  std::string sensor;
  sluice::Epoch epoch;
  double mean;
};

sluice::Stream<Average> average_per_epoch(const std::string& id,
                                          const sluice::Stream<Reading>& readings) {
  sluice::OperatorBuilder b(readings, id);
  // Exchange by sensor: all readings of one sensor meet on one worker.
  auto in = b.add_input(readings, sluice::exchange([](const Reading& r) { return r.sensor; }));
  auto [out, averages] = b.add_output<Average>();

  b.build([in, out](sluice::OperatorContext&) {
    // Per-worker state: running sums per epoch and sensor.
    struct Sum {
      double total = 0;
      std::uint64_t count = 0;
    };
    std::map<sluice::Epoch, std::map<std::string, Sum>> open;

    return [in, out, open](sluice::OperatorContext& ctx) mutable {
      // 1. Absorb every batch that has arrived; the first batch of an epoch asks for
      //    a notification when the epoch is complete (retain() keeps the right to
      //    emit at that epoch until then).
      ctx.input(in).for_each([&](sluice::InputBatch<Reading>& batch) {
        auto [it, first] = open.try_emplace(batch.epoch());
        if (first) ctx.notify_at(batch.retain());
        for (const Reading& r : batch) {
          Sum& s = it->second[r.sensor];
          s.total += r.value;
          ++s.count;
        }
      });
      // 2. Emit every epoch the frontier has passed, in epoch order. The capability
      //    is released when the callback returns.
      ctx.for_each_notification([&](sluice::Capability& cap) {
        auto session = ctx.output(out).session(cap);
        for (auto& [sensor, s] : open[cap.epoch()]) {
          session.give(Average{sensor, cap.epoch(), s.total / static_cast<double>(s.count)});
        }
        open.erase(cap.epoch());
      });
    };
  });
  return averages;
}

int main(int argc, char** argv) {
  sluice::Cli cli("custom_operator: per-sensor averages per epoch, from a user-written operator");
  sluice::TestingSink<Average> sink;
  const int code = cli.main(argc, argv, [&] {
    sluice::TestingSource<Reading>::Partition items;
    for (sluice::Epoch e = 0; e < 3; ++e) {
      for (int i = 0; i < 4; ++i) {
        items.push_back({e, Reading{"north", 10.0 * static_cast<double>(e) + i}});
        items.push_back({e, Reading{"south", 5.0 + i}});
      }
    }
    sluice::Dataflow flow("sensors");
    auto readings = sluice::op::input(flow, "readings", sluice::TestingSource<Reading>(items));
    sluice::op::output("collect", average_per_epoch("average", readings), sink);
    return flow;
  });
  if (code != 0) return code;
  auto rows = sink.values();
  std::sort(rows.begin(), rows.end(), [](const Average& a, const Average& b) {
    return std::tie(a.epoch, a.sensor) < std::tie(b.epoch, b.sensor);
  });
  for (const Average& a : rows) {
    std::cout << "epoch " << a.epoch << '\t' << a.sensor << '\t' << a.mean << '\n';
  }
  return 0;
}
