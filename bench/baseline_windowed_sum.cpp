// baseline_windowed_sum: bench/windowed_sum's work done by one plain loop, without
// the sluice runtime. It reads the lines (fread in 1 MiB blocks, split in place, or
// generated in memory like the benchmark's source), parses them (the same
// windowed_events.hpp parse), keeps the watermark of the one partition (the largest
// event time so far - max_delay; a line behind it is late) and counts and sums every
// other line into its windows (sluice's windower.hpp for which windows contain a
// time). Tumbling and sliding windows live in one absl::flat_hash_map keyed by
// (key, window start), the key hashed once per line; sessions in one keyed by the key,
// holding that key's open sessions in start order. A window closes, and its row is
// counted into the checksum, once the epoch of the watermark passes the epoch of the
// window's last millisecond (sessions: of last + gap - 1), as in sluice; the rest
// close at the end. Prints the same JSON line, engine "baseline".
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <sluice/engine/key_hash.hpp>
#include <sluice/windowing/windower.hpp>

#include "bench_util.hpp"
#include "windowed_events.hpp"

namespace {

namespace window = sluice::window;
namespace windowed = bench::windowed;
using Epoch = std::uint64_t;

// sluice's EpochMap: floor(ms / length), times before the Unix epoch in epoch 0.
struct Epochs {
  std::int64_t length;
  Epoch of(std::int64_t ms) const { return ms <= 0 ? 0 : static_cast<Epoch>(ms / length); }
};

std::int64_t ms_of(window::EventTime t) {
  return t.time_since_epoch().count();
}

// Tumbling and sliding windows: (key, start) -> count and sum.
template <class Windower>
class FixedWindows {
 public:
  FixedWindows(Windower windower, std::int64_t length, Epochs epochs)
      : windower_(windower), length_(length), epochs_(epochs) {}

  void add(const windowed::Event& e) {
    const std::uint64_t h = sluice::hash_key(e.key);
    windower_.for_each_window(window::EventTime(window::Millis(e.ms)),
                              [&](const window::Window& w) {
                                const Ref ref{e.key, ms_of(w.start), h};
                                bool fresh = false;
                                auto it = map_.lazy_emplace(ref, [&](const auto& ctor) {
                                  fresh = true;
                                  ctor(Key{std::string(ref.key), ref.start}, Sum{});
                                });
                                Sum& s = it->second;
                                ++s.count;
                                s.sum += e.value;
                                if (fresh)
                                  closing_[epochs_.of(ms_of(w.end) - 1)].push_back(it->first);
                              });
  }

  // Closes the windows whose close epoch is before `frontier` (all: ~0).
  void close_before(Epoch frontier, windowed::Totals& totals) {
    while (!closing_.empty() && closing_.begin()->first < frontier) {
      for (const Key& k : closing_.begin()->second) {
        auto it = map_.find(k);
        totals.row(k.key, k.start, k.start + length_, it->second.count, it->second.sum);
        map_.erase(it);
      }
      closing_.erase(closing_.begin());
    }
  }

 private:
  struct Key {
    std::string key;
    std::int64_t start;
  };
  struct Ref {
    std::string_view key;
    std::int64_t start;
    std::uint64_t hash;  // of key
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const Ref& r) const {
      return sluice::mix64(r.hash + static_cast<std::uint64_t>(r.start));
    }
    std::size_t operator()(const Key& k) const {
      return (*this)(Ref{k.key, k.start, sluice::hash_key(k.key)});
    }
  };
  struct Eq {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return a.start == b.start && std::string_view(a.key) == std::string_view(b.key);
    }
  };
  struct Sum {
    std::uint64_t count = 0;
    std::int64_t sum = 0;
  };

  Windower windower_;
  std::int64_t length_;
  Epochs epochs_;
  absl::flat_hash_map<Key, Sum, Hash, Eq> map_;
  std::map<Epoch, std::vector<Key>> closing_;
};

// Session windows: key -> its open sessions [first, last + gap), sorted and disjoint.
class Sessions {
 public:
  Sessions(std::int64_t gap, Epochs epochs) : gap_(gap), epochs_(epochs) {}

  void add(const windowed::Event& e) {
    auto it = map_.lazy_emplace(e.key, [&](const auto& ctor) {
      ctor(std::piecewise_construct, std::forward_as_tuple(e.key), std::tuple<>());
    });
    List& s = it->second;
    const std::int64_t t = e.ms;
    // Sessions i..j-1 are within gap of t: start - gap < t < end.
    std::size_t i = 0;
    while (i < s.size() && s[i].end <= t) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j].start - gap_ < t) ++j;
    if (i == j) {
      const Session fresh{t, t + gap_, epochs_.of(t + gap_ - 1), 0, 0};
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(i), fresh);
      closing_[fresh.close].push_back(it->first);
    } else {
      Session& joined = s[i];
      joined.start = std::min(joined.start, t);
      joined.end = std::max(s[j - 1].end, t + gap_);
      for (std::size_t k = i + 1; k < j; ++k) {
        joined.count += s[k].count;
        joined.sum += s[k].sum;
      }
      s.erase(s.begin() + static_cast<std::ptrdiff_t>(i + 1),
              s.begin() + static_cast<std::ptrdiff_t>(j));
      const Epoch close = epochs_.of(joined.end - 1);
      if (close != joined.close) {
        joined.close = close;
        closing_[close].push_back(it->first);
      }
    }
    ++s[i].count;
    s[i].sum += e.value;
  }

  void close_before(Epoch frontier, windowed::Totals& totals) {
    while (!closing_.empty() && closing_.begin()->first < frontier) {
      const Epoch epoch = closing_.begin()->first;
      for (const std::string& key : closing_.begin()->second) {
        auto it = map_.find(key);
        if (it == map_.end()) continue;  // closed already (it grew, then closed)
        List& s = it->second;
        auto keep = s.begin();
        for (Session& x : s) {
          if (x.close <= epoch) {
            totals.row(key, x.start, x.end, x.count, x.sum);
          } else {
            *keep++ = x;
          }
        }
        s.erase(keep, s.end());
        if (s.empty()) map_.erase(it);
      }
      closing_.erase(closing_.begin());
    }
  }

 private:
  struct Session {
    std::int64_t start;
    std::int64_t end;
    Epoch close;
    std::uint64_t count;
    std::int64_t sum;
  };
  using List = absl::InlinedVector<Session, 1>;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return sluice::hash_key(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  std::int64_t gap_;
  Epochs epochs_;
  absl::flat_hash_map<std::string, List, Hash, Eq> map_;
  std::map<Epoch, std::vector<std::string>> closing_;
};

// The loop: lateness and the watermark of the one partition, windows closed as its
// epoch advances.
template <class Store>
class Run {
 public:
  Run(Store store, std::int64_t max_delay, Epochs epochs)
      : store_(std::move(store)), max_delay_(max_delay), epochs_(epochs) {}

  void line(std::string_view text) {
    const windowed::Event e = windowed::parse_event(text);
    ++records_;
    if (seen_ && e.ms < max_seen_ - max_delay_) {
      totals_.late_line(e.key, e.ms, e.value);
      return;
    }
    if (!seen_ || e.ms > max_seen_) {
      seen_ = true;
      max_seen_ = e.ms;
      const Epoch hold = epochs_.of(max_seen_ - max_delay_);
      if (hold > frontier_) {
        frontier_ = hold;
        store_.close_before(frontier_, totals_);
      }
    }
    store_.add(e);
  }
  void finish() { store_.close_before(~Epoch{0}, totals_); }

  std::uint64_t records() const { return records_; }
  const windowed::Totals& totals() const { return totals_; }

 private:
  Store store_;
  std::int64_t max_delay_;
  Epochs epochs_;
  bool seen_ = false;
  std::int64_t max_seen_ = 0;
  Epoch frontier_ = 0;
  std::uint64_t records_ = 0;
  windowed::Totals totals_;
};

// Calls f(line) for every line of the file (without '\n', or "\r\n"); false if it
// cannot be read.
template <class F>
bool for_each_line(const std::string& path, F&& f) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  std::vector<char> block(1 << 20);
  std::size_t kept = 0;  // a partial line carried from the previous block
  auto emit = [&](const char* begin, const char* end) {
    if (end != begin && end[-1] == '\r') --end;
    f(std::string_view(begin, static_cast<std::size_t>(end - begin)));
  };
  for (std::size_t n; (n = std::fread(block.data() + kept, 1, block.size() - kept, file)) > 0;) {
    const char* p = block.data();
    const char* const stop = block.data() + kept + n;
    for (const char* nl; (nl = static_cast<const char*>(std::memchr(p, '\n', stop - p)));
         p = nl + 1) {
      emit(p, nl);
    }
    kept = static_cast<std::size_t>(stop - p);
    std::memmove(block.data(), p, kept);
    if (kept == block.size()) block.resize(block.size() * 2);  // a line longer than the block
  }
  const bool ok = !std::ferror(file);
  std::fclose(file);
  if (kept > 0) emit(block.data(), block.data() + kept);
  return ok;
}

template <class Store>
int run(Store store, const windowed::WindowArgs& args, const std::string& input,
        const windowed::EventsSpec& spec) {
  const Epochs epochs{args.epoch_ms};
  bench::Stopwatch watch;
  Run<Store> r(std::move(store), args.max_delay_ms, epochs);
  try {
    if (input.empty()) {
      const windowed::EventMaker maker(spec);
      char buf[windowed::EventMaker::kLineMax];
      for (std::uint64_t i = 0; i < spec.records; ++i) {
        r.line(std::string_view(buf, maker.format(i, buf)));
      }
    } else if (!for_each_line(input, [&](std::string_view line) { r.line(line); })) {
      std::fprintf(stderr, "error: cannot read --input '%s'\n", input.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: line %llu: %s\n", static_cast<unsigned long long>(r.records() + 1),
                 e.what());
    return 1;
  }
  r.finish();
  const double seconds = watch.seconds();
  windowed::print_result("baseline", 1, args, input.empty() ? "generated" : input, r.records(),
                         seconds, r.totals());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_windowed_sum: count and sum per key and event-time window, one thread");
  std::string input;
  windowed::EventsSpec spec;
  windowed::WindowArgs args;
  auto* input_opt = app.add_option("--input", input, "file of event_ms,key,value lines");
  input_opt->excludes(windowed::add_spec_options(app, spec));
  windowed::add_window_options(app, args);
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;
  if (const std::string m = windowed::missing(args); !m.empty()) {
    std::fprintf(stderr, "error: %s\n", m.c_str());
    return 2;
  }
  const Epochs epochs{args.epoch_ms};
  const window::Millis length(args.length_ms);
  if (args.kind == "tumbling") {
    return run(FixedWindows(window::TumblingWindower(length), args.length_ms, epochs), args, input,
               spec);
  }
  if (args.kind == "sliding") {
    return run(FixedWindows(window::SlidingWindower(length, window::Millis(args.slide_ms)),
                            args.length_ms, epochs),
               args, input, spec);
  }
  return run(Sessions(args.gap_ms, epochs), args, input, spec);
}
