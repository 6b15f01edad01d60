// baseline_windowed_sum: bench/windowed_sum's work done by one plain loop, without
// the sluice runtime. It reads the lines (fread in 1 MiB blocks, split in place, or
// generated in memory like the benchmark's source), parses them (the same
// windowed_events.hpp parse), keeps the watermark of each partition (the largest
// event time so far in it - max_delay; a line behind it is late; the partitions are
// the --input file, or the *.csv files of --input-dir read a block of each in turn,
// as sluice's DirSource partitions) and counts and sums every
// other line into its windows (sluice's windower.hpp for which windows contain a
// time). The state is one absl::flat_hash_map from the key to its open windows (held
// inline), as sluice keeps it; lines are applied in blocks with the slots prefetched.
// (A map keyed by (key, window start) measured 1.5x slower on tumbling and 2.1x on
// sliding windows: a sliding line then touches L/S slots.) A window closes, and its row is
// counted into the checksum, once the least epoch of the partitions' watermarks
// passes the epoch of the window's last millisecond (sessions: of last + gap - 1), as in sluice;
// the rest close at the end. Prints the same JSON line, engine "baseline".
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
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

// How many lines (or closing windows) ahead the loops prefetch hash-map slots.
constexpr std::size_t kAhead = 16;

std::int64_t ms_of(window::EventTime t) {
  return t.time_since_epoch().count();
}

// The state: key -> that key's open windows, in an absl::flat_hash_map looked up by
// the key's hash computed once per line, with the windows inline in the slot (N of
// them before they spill to the heap); the keys to visit when the frontier passes an
// epoch, per epoch. Tumbling and sliding windows are added to (sluice's windowers say
// which contain a time); sessions also merge when a time bridges them.
template <class Windower, std::size_t N>
class Windows {
  static constexpr bool kSessions = std::is_same_v<Windower, window::SessionWindower>;

 public:
  Windows(Windower windower, Epochs epochs) : windower_(windower), epochs_(epochs) {}

  // Prefetches the slot of e's key (h: its hash).
  void prefetch(const windowed::Event& e, std::uint64_t h) const {
    map_.prefetch(Prehashed{e.key, h});
  }

  void add(const windowed::Event& e, std::uint64_t h) {
    auto it = map_.lazy_emplace(Prehashed{e.key, h}, [&](const auto& ctor) {
      ctor(std::piecewise_construct, std::forward_as_tuple(e.key), std::tuple<>());
    });
    List& list = it->second;
    if constexpr (kSessions) {
      add_to_session(list, Visit{it->first, h}, e);
    } else {
      windower_.for_each_window(
          window::EventTime(window::Millis(e.ms)), [&](const window::Window& w) {
            const std::int64_t start = ms_of(w.start);
            auto x = std::find_if(list.begin(), list.end(),
                                  [&](const Win& y) { return y.start == start; });
            if (x == list.end()) {
              const std::int64_t end = ms_of(w.end);
              x = list.insert(list.end(), Win{start, end, 0, 0});
              closing_[close_of(*x)].push_back(Visit{it->first, h});
            }
            ++x->count;
            x->sum += e.value;
          });
    }
  }

  // Closes the windows whose close epoch is before `frontier` (all: ~0), visiting the
  // keys registered for each epoch and prefetching the slot kAhead keys ahead.
  void close_before(Epoch frontier, windowed::Totals& totals) {
    while (!closing_.empty() && closing_.begin()->first < frontier) {
      // A window closes at `epoch` when epoch(end - 1) <= epoch, i.e. end <= limit.
      const auto limit = static_cast<std::int64_t>(closing_.begin()->first + 1) * epochs_.length;
      const std::vector<Visit>& visits = closing_.begin()->second;
      const std::size_t n = visits.size();
      for (std::size_t k = 0; k < n && k < kAhead; ++k) map_.prefetch(visits[k].ref());
      for (std::size_t k = 0; k < n; ++k) {
        if (k + kAhead < n) map_.prefetch(visits[k + kAhead].ref());
        auto it = map_.find(visits[k].ref());
        if (it == map_.end()) continue;  // closed already (registered twice)
        List& list = it->second;
        auto keep = list.begin();
        for (const Win& x : list) {
          if (x.end <= limit) {
            totals.row(visits[k].key, x.start, x.end, x.count, x.sum);
          } else {
            *keep++ = x;
          }
        }
        list.erase(keep, list.end());
        if (list.empty()) map_.erase(it);
      }
      closing_.erase(closing_.begin());
    }
  }

 private:
  // A window [start, end) and its sums.
  struct Win {
    std::int64_t start;
    std::int64_t end;
    std::uint64_t count;
    std::int64_t sum;
  };
  using List = absl::InlinedVector<Win, N>;
  struct Prehashed {
    std::string_view key;
    std::uint64_t hash;
  };
  // A key to visit when the frontier passes an epoch.
  struct Visit {
    std::string key;
    std::uint64_t hash;
    Prehashed ref() const { return Prehashed{key, hash}; }
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const Prehashed& p) const { return p.hash; }
    std::size_t operator()(std::string_view s) const { return sluice::hash_key(s); }
  };
  struct Eq {
    using is_transparent = void;
    static std::string_view view(const Prehashed& p) { return p.key; }
    static std::string_view view(std::string_view s) { return s; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) == view(b);
    }
  };

  // The epoch the frontier must pass to close w: that of its last millisecond.
  Epoch close_of(const Win& w) const { return epochs_.of(w.end - 1); }

  // Sessions i..j-1 are within gap of t (start - gap < t < end): none, a new session;
  // else t joins session i, which absorbs i+1..j-1.
  void add_to_session(List& list, Visit visit, const windowed::Event& e) {
    const std::int64_t gap = windower_.gap().count();
    const std::int64_t t = e.ms;
    std::size_t i = 0;
    while (i < list.size() && list[i].end <= t) ++i;
    std::size_t j = i;
    while (j < list.size() && list[j].start - gap < t) ++j;
    if (i == j) {
      const Win fresh{t, t + gap, 0, 0};
      list.insert(list.begin() + static_cast<std::ptrdiff_t>(i), fresh);
      closing_[close_of(fresh)].push_back(std::move(visit));
    } else {
      Win& joined = list[i];
      const Epoch was = close_of(joined);
      joined.start = std::min(joined.start, t);
      joined.end = std::max(list[j - 1].end, t + gap);
      for (std::size_t k = i + 1; k < j; ++k) {
        joined.count += list[k].count;
        joined.sum += list[k].sum;
      }
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i + 1),
                 list.begin() + static_cast<std::ptrdiff_t>(j));
      if (const Epoch close = close_of(joined); close != was) {
        closing_[close].push_back(std::move(visit));
      }
    }
    ++list[i].count;
    list[i].sum += e.value;
  }

  Windower windower_;
  Epochs epochs_;
  absl::flat_hash_map<std::string, List, Hash, Eq> map_;
  std::map<Epoch, std::vector<Visit>> closing_;
};

// The loop: lateness and the watermark per partition (the input's files; a file read
// whole is one partition), windows closed as the least epoch of the unfinished
// partitions' watermarks advances, as sluice's event_time_input holds its capability.
// Lines come in blocks: all are parsed and their keys hashed first, then applied in
// order while the slots of the line kAhead later are prefetched (so the cache misses
// of several lines overlap, as in baseline_keyed_count).
template <class Store>
class Run {
 public:
  Run(Store store, std::int64_t max_delay, Epochs epochs, std::size_t partitions)
      : store_(std::move(store)), max_delay_(max_delay), epochs_(epochs), parts_(partitions) {}

  // Applies a block of partition `part`'s lines (the views need to live only during
  // the call).
  void lines(const std::vector<std::string_view>& block, std::size_t part = 0) {
    events_.clear();
    hashes_.clear();
    for (const std::string_view line : block) {
      events_.push_back(windowed::parse_event(line));
      hashes_.push_back(sluice::hash_key(events_.back().key));
      ++records_;
    }
    Partition& p = parts_[part];
    const std::size_t n = events_.size();
    for (std::size_t k = 0; k < n && k < kAhead; ++k) store_.prefetch(events_[k], hashes_[k]);
    for (std::size_t k = 0; k < n; ++k) {
      if (k + kAhead < n) store_.prefetch(events_[k + kAhead], hashes_[k + kAhead]);
      one(p, events_[k], hashes_[k]);
    }
  }
  // Partition `part` has no more lines: it holds the frontier back no longer.
  void finish_part(std::size_t part) {
    parts_[part].finished = true;
    advance();
  }
  void finish() { store_.close_before(~Epoch{0}, totals_); }

  std::uint64_t records() const { return records_; }
  const windowed::Totals& totals() const { return totals_; }

 private:
  struct Partition {
    bool seen = false;
    std::int64_t max_seen = 0;
    Epoch hold = 0;  // the epoch of its watermark
    bool finished = false;
  };

  void one(Partition& p, const windowed::Event& e, std::uint64_t hash) {
    if (p.seen && e.ms < p.max_seen - max_delay_) {
      totals_.late_line(e.key, e.ms, e.value);
      return;
    }
    if (!p.seen || e.ms > p.max_seen) {
      p.seen = true;
      p.max_seen = e.ms;
      const Epoch hold = epochs_.of(p.max_seen - max_delay_);
      if (hold > p.hold) {
        p.hold = hold;
        advance();
      }
    }
    store_.add(e, hash);
  }

  // Closes what the least hold of the unfinished partitions (one partition: its own)
  // has passed.
  void advance() {
    Epoch least = ~Epoch{0};
    for (const Partition& q : parts_) {
      if (!q.finished) least = std::min(least, q.hold);
    }
    if (least == ~Epoch{0} || least <= frontier_) return;
    frontier_ = least;
    store_.close_before(frontier_, totals_);
  }

  Store store_;
  std::int64_t max_delay_;
  Epochs epochs_;
  std::vector<Partition> parts_;
  Epoch frontier_ = 0;
  std::uint64_t records_ = 0;
  windowed::Totals totals_;
  std::vector<windowed::Event> events_;
  std::vector<std::uint64_t> hashes_;
};

constexpr std::size_t kBlockLines = 1024;

// The lines of one file (without '\n', or "\r\n") in blocks of up to kBlockLines,
// read with fread in 1 MiB blocks and split in place.
class LineBlocks {
 public:
  explicit LineBlocks(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) {}
  ~LineBlocks() {
    if (file_) std::fclose(file_);
  }
  LineBlocks(const LineBlocks&) = delete;
  LineBlocks& operator=(const LineBlocks&) = delete;
  bool opened() const { return file_ != nullptr; }

  // The next block (views valid until the next call); false, with `lines` empty, at
  // the end; throws std::runtime_error on a read error.
  bool next(std::vector<std::string_view>& lines) {
    lines.clear();
    for (;;) {
      while (lines.size() < kBlockLines) {
        const char* nl = static_cast<const char*>(std::memchr(p_, '\n', stop_ - p_));
        if (nl == nullptr) break;
        add(lines, p_, nl);
        p_ = nl + 1;
      }
      if (!lines.empty()) return true;
      if (eof_) {
        if (p_ == stop_) return false;
        add(lines, p_, stop_);  // a last line without '\n'
        p_ = stop_;
        return true;
      }
      fill();
    }
  }

 private:
  static void add(std::vector<std::string_view>& lines, const char* begin, const char* end) {
    if (end != begin && end[-1] == '\r') --end;
    lines.emplace_back(begin, static_cast<std::size_t>(end - begin));
  }
  // Moves the partial line to the front and reads after it.
  void fill() {
    const std::size_t kept = static_cast<std::size_t>(stop_ - p_);
    std::memmove(buf_.data(), p_, kept);
    if (kept == buf_.size()) buf_.resize(buf_.size() * 2);  // a line longer than the buffer
    const std::size_t n = std::fread(buf_.data() + kept, 1, buf_.size() - kept, file_);
    if (n == 0) {
      if (std::ferror(file_)) throw std::runtime_error("cannot read the input");
      eof_ = true;
    }
    p_ = buf_.data();
    stop_ = buf_.data() + kept + n;
  }

  std::FILE* file_;
  std::vector<char> buf_ = std::vector<char>(1 << 20);
  const char* p_ = buf_.data();
  const char* stop_ = buf_.data();
  bool eof_ = false;
};

// Calls f(lines) for blocks of up to kBlockLines lines of the generated workload.
template <class F>
void for_each_generated_block(const windowed::EventsSpec& spec, F&& f) {
  const windowed::EventMaker maker(spec);
  std::vector<char> buf(kBlockLines * windowed::EventMaker::kLineMax);
  std::vector<std::string_view> lines;
  for (std::uint64_t i = 0; i < spec.records;) {
    lines.clear();
    char* p = buf.data();
    for (; i < spec.records && lines.size() < kBlockLines; ++i) {
      const std::size_t len = maker.format(i, p);
      lines.emplace_back(p, len);
      p += len;
    }
    f(lines);
  }
}

// The files of --input-dir: its *.csv files by name (DirSource's partitions).
std::vector<std::string> dir_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".csv") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

template <class Store>
int run(Store store, const windowed::WindowArgs& args, const std::string& input,
        const std::string& input_dir, const windowed::EventsSpec& spec) {
  const Epochs epochs{args.epoch_ms};
  std::vector<std::string> files;
  if (!input.empty()) files.push_back(input);
  if (!input_dir.empty()) files = dir_files(input_dir);
  bench::Stopwatch watch;
  Run<Store> r(std::move(store), args.max_delay_ms, epochs, std::max<std::size_t>(1, files.size()));
  try {
    if (files.empty()) {
      for_each_generated_block(spec,
                               [&](const std::vector<std::string_view>& lines) { r.lines(lines); });
    } else {
      // One block of each unfinished partition in turn, as sluice's workers read theirs.
      std::vector<std::unique_ptr<LineBlocks>> readers;
      for (const std::string& f : files) {
        readers.push_back(std::make_unique<LineBlocks>(f));
        if (!readers.back()->opened()) {
          std::fprintf(stderr, "error: cannot read '%s'\n", f.c_str());
          return 1;
        }
      }
      std::vector<std::string_view> lines;
      for (std::size_t open = readers.size(); open > 0;) {
        for (std::size_t k = 0; k < readers.size(); ++k) {
          if (!readers[k]) continue;
          if (readers[k]->next(lines)) {
            r.lines(lines, k);
          } else {
            readers[k].reset();
            r.finish_part(k);
            --open;
          }
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: line %llu: %s\n", static_cast<unsigned long long>(r.records() + 1),
                 e.what());
    return 1;
  }
  r.finish();
  const double seconds = watch.seconds();
  const std::string what = !input_dir.empty() ? input_dir : input.empty() ? "generated" : input;
  windowed::print_result("baseline", 1, args, what, r.records(), seconds, r.totals());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("baseline_windowed_sum: count and sum per key and event-time window, one thread");
  std::string input, input_dir;
  windowed::EventsSpec spec;
  windowed::WindowArgs args;
  auto* input_opt = app.add_option("--input", input, "file of event_ms,key,value lines");
  auto* dir_opt =
      app.add_option("--input-dir", input_dir, "directory whose *.csv files are the partitions");
  auto* records_opt = windowed::add_spec_options(app, spec);
  input_opt->excludes(records_opt)->excludes(dir_opt);
  dir_opt->excludes(records_opt);
  windowed::add_window_options(app, args);
  if (int code = bench::parse(app, argc, argv); code >= 0) return code;
  if (const std::string m = windowed::missing(args); !m.empty()) {
    std::fprintf(stderr, "error: %s\n", m.c_str());
    return 2;
  }
  // Inline windows per key: a tumbling key has one open window (two while the
  // previous waits for the watermark), a sliding one L/S (+2), a session key one.
  const Epochs epochs{args.epoch_ms};
  const window::Millis length(args.length_ms);
  if (args.kind == "tumbling") {
    return run(Windows<window::TumblingWindower, 2>(window::TumblingWindower(length), epochs), args,
               input, input_dir, spec);
  }
  if (args.kind == "sliding") {
    const window::SlidingWindower sliding(length, window::Millis(args.slide_ms));
    return run(Windows<window::SlidingWindower, 7>(sliding, epochs), args, input, input_dir, spec);
  }
  return run(Windows<window::SessionWindower, 1>(
                 window::SessionWindower(window::Millis(args.gap_ms)), epochs),
             args, input, input_dir, spec);
}
