// SnapshotRun: opening the store for a run, the snapshot-epoch agreement and the
// writer thread (snapshot_run.hpp).
#include <sluice/recovery/snapshot_run.hpp>

#include <algorithm>
#include <ctime>
#include <sstream>

#include <sluice/recovery/layout.hpp>

namespace sluice::recovery {

namespace {

using Clock = std::chrono::steady_clock;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out.append(l);
    out.push_back('\n');
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string epoch_text(std::optional<Epoch> e) {
  if (!e) return "none";
  if (*e == layout::kComplete) return "complete";
  return std::to_string(*e);
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

SnapshotRun::SnapshotRun(std::shared_ptr<Store> store, Options options)
    : store_(std::move(store)),
      options_(std::move(options)),
      collector_(options_.backup_interval, store_->partitions()) {
  if (options_.snapshot_interval.count() <= 0) {
    throw StoreError("the snapshot interval must be positive");
  }
  open_store();
  passed_.assign(options_.workers, first_epoch());
  pending_.resize(store_->partitions());
}

SnapshotRun::~SnapshotRun() {
  if (writer_.joinable()) stop(false);
}

void SnapshotRun::open_store() {
  const std::string where = "recovery store " + store_->where();
  const std::uint32_t parts = store_->partitions();
  const auto format = store_->get(0, layout::meta_key("format"));
  const std::string fingerprint = join_lines(options_.fingerprint);
  Batch meta;
  if (!format) {
    bool any = false;
    for (std::uint32_t p = 0; p < parts && !any; ++p) {
      store_->scan(p, "", [&](std::string_view, std::string_view) { any = true; });
    }
    if (any) {
      throw StoreError(where +
                       " holds data but no format record: it was not written by sluice, or "
                       "its first partition was replaced; use a new directory");
    }
    meta.put(layout::meta_key("format"), std::to_string(layout::kFormat));
    meta.put(layout::meta_key("fingerprint"), fingerprint);
  } else {
    if (*format != std::to_string(layout::kFormat)) {
      throw StoreError(where + " has format version " + *format + "; this build reads version " +
                       std::to_string(layout::kFormat) +
                       ": resume it with the sluice that wrote it, or use a new directory");
    }
    const auto theirs = store_->get(0, layout::meta_key("fingerprint"));
    if (!theirs) {
      throw StoreError(where +
                       " has no dataflow fingerprint (a damaged store); use a new "
                       "directory");
    }
    if (*theirs != fingerprint) {
      const auto a = split_lines(*theirs);
      const auto& b = options_.fingerprint;
      std::size_t i = 0;
      while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
      const std::string there = i < a.size() ? "'" + a[i] + "'" : "nothing";
      const std::string here = i < b.size() ? "'" + b[i] + "'" : "nothing";
      throw StoreError(where + " was written by a different dataflow: where it has " + there +
                       ", this one has " + here +
                       "; resume it with the program that wrote it, or use a new directory "
                       "(-r)");
    }
  }

  // The committed epoch: the least durable mark (none if any partition has none).
  std::optional<Epoch> committed;
  bool all = true;
  for (std::uint32_t p = 0; p < parts; ++p) {
    const auto mark = store_->get(p, layout::meta_key("durable"));
    if (!mark) {
      all = false;
      break;
    }
    const auto e = layout::decode_u64(*mark);
    if (!e) {
      throw StoreError(where + ": partition " + std::to_string(p) +
                       " has a malformed durable mark (a damaged store); use a new directory");
    }
    committed = committed ? std::min(*committed, *e) : *e;
  }
  if (!all) committed.reset();
  resumed_from_ = committed;
  committed_ = committed;

  // Versions after the committed epoch were written by a run that was killed before
  // it committed them: gone before this run writes its own.
  for (std::uint32_t p = 0; p < parts; ++p) {
    Batch drop;
    store_->scan(p, layout::kStatePrefix, [&](std::string_view key, std::string_view) {
      const auto k = layout::parse_state_key(key);
      if (!k || !committed || k->tag > *committed) drop.erase(std::string(key));
    });
    if (p == 0) {
      for (const auto& op : meta.ops()) {
        if (op.value) drop.put(op.key, *op.value);
      }
    }
    if (!drop.empty()) store_->commit(p, drop, Durability::Sync);
  }

  // This execution.
  std::uint32_t n = 0;
  store_->scan(0, layout::meta_key("exec/"), [&](std::string_view, std::string_view) { ++n; });
  execution_ = n + 1;
  if (complete()) return;  // nothing runs: not an execution
  if (committed) collector_.resumed(Clock::now(), *committed);
  std::ostringstream line;
  line << "execution " << execution_ << " started " << utc_now() << " processes "
       << options_.processes << " workers " << options_.workers << " resumed_from "
       << epoch_text(committed);
  Batch exec;
  exec.put(layout::meta_key("exec/" + layout::encode_u32(execution_)), line.str());
  store_->commit(0, exec, Durability::Sync);
}

bool SnapshotRun::complete() const {
  return resumed_from_ && *resumed_from_ == layout::kComplete;
}

Epoch SnapshotRun::first_epoch() const {
  if (!resumed_from_) return 0;
  if (*resumed_from_ == layout::kComplete) return layout::kComplete;
  return *resumed_from_ + 1;
}

std::optional<Epoch> SnapshotRun::committed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return committed_;
}

std::uint32_t SnapshotRun::enroll_root(Activator activator) {
  std::lock_guard<std::mutex> lock(mutex_);
  roots_.push_back(Root{activator});
  return static_cast<std::uint32_t>(roots_.size() - 1);
}

void SnapshotRun::report(std::uint32_t root, std::uint64_t request, std::optional<Epoch> cap) {
  std::lock_guard<std::mutex> lock(mutex_);
  Root& r = roots_.at(root);
  if (!cap) {
    r.done = true;
  } else if (request == requested_.load(std::memory_order_relaxed) && request > r.reported) {
    r.reported = request;
    answer_ = answer_ ? std::max(*answer_, *cap) : *cap;
  }
  answer_if_ready();
}

void SnapshotRun::finish(std::uint32_t root, Epoch last) {
  std::lock_guard<std::mutex> lock(mutex_);
  roots_.at(root).done = true;
  floor_ = std::max(floor_, last);
  answer_if_ready();
}

void SnapshotRun::announced(std::size_t from, std::vector<Epoch>& out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = from; i < announced_.size(); ++i) out.push_back(announced_[i]);
}

void SnapshotRun::ask_roots() {
  if (answered_.load(std::memory_order_relaxed) < requested_.load(std::memory_order_relaxed)) {
    return;  // the last request is still open
  }
  // Over the limit: the next snapshot epoch waits for a commit to drain the queue.
  if (pending_bytes_.load(std::memory_order_relaxed) > options_.pending_limit) return;
  const bool live =
      std::any_of(roots_.begin(), roots_.end(), [](const Root& r) { return !r.done; });
  if (!live) return;
  answer_.reset();
  requested_.fetch_add(1, std::memory_order_acq_rel);
  for (const Root& r : roots_) {
    if (!r.done) r.activator.activate();
  }
}

void SnapshotRun::answer_if_ready() {
  const std::uint64_t request = requested_.load(std::memory_order_relaxed);
  // Not before start(): a root of another worker may not have enrolled yet.
  const bool live =
      !started_ || std::any_of(roots_.begin(), roots_.end(), [](const Root& r) { return !r.done; });
  if (answered_.load(std::memory_order_relaxed) >= request) {
    if (!live) closed_.store(true, std::memory_order_release);
    return;
  }
  for (const Root& r : roots_) {
    if (!r.done && r.reported < request) return;
  }
  if (answer_) answer_ = std::max(*answer_, floor_);
  if (answer_ && (announced_.empty() || *answer_ > announced_.back())) {
    announced_.push_back(*answer_);
    announced_count_.store(announced_.size(), std::memory_order_release);
  }
  answered_.store(request, std::memory_order_release);
  if (request == savepoint_request_ && !announced_.empty()) {
    savepoint_epoch_ = announced_.back();
    wake_.notify_one();  // it may be committed already
  }
  for (const Root& r : roots_) {
    if (!r.done) r.activator.activate();
  }
  if (!live) closed_.store(true, std::memory_order_release);
}

void SnapshotRun::hand_over(std::uint32_t worker, Epoch passed, std::vector<Batch>& batches) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    passed_.at(worker) = std::max(passed_[worker], passed);
    for (std::size_t p = 0; p < batches.size(); ++p) {
      if (batches[p].empty()) continue;
      pending_bytes_.fetch_add(batches[p].bytes(), std::memory_order_acq_rel);
      if (pending_[p].empty()) {
        std::swap(pending_[p], batches[p]);
      } else {
        pending_[p].append(std::move(batches[p]));
      }
      batches[p].clear();
      if (!spare_.empty()) {
        batches[p].adopt_buffer(std::move(spare_.back()));
        spare_.pop_back();
      }
    }
  }
  wake_.notify_one();
}

void SnapshotRun::start(std::function<void(std::exception_ptr)> on_error) {
  on_error_ = std::move(on_error);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    started_ = true;
    answer_if_ready();
  }
  writer_ = std::thread([this] { writer_loop(); });
}

void SnapshotRun::stop(bool clean) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    clean_ = clean;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void SnapshotRun::request_savepoint(std::function<void(Epoch)> on_committed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (on_savepoint_) return;
    on_savepoint_ = std::move(on_committed);
  }
  wake_.notify_one();
}

bool SnapshotRun::savepoint_requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<bool>(on_savepoint_);
}

bool SnapshotRun::begin_publishing() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (savepoint_done_) return false;
  publishing_ = true;
  return true;
}

void SnapshotRun::writer_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  auto next_ask = Clock::now() + options_.snapshot_interval;
  while (!failed_ && !savepoint_done_) {
    if (stopping_ && !clean_) break;
    // Clean: the workers handed everything over before stop(). A stop that comes while
    // this round writes (unlocked) gets one more round, or the last hand-over (the
    // run's kComplete) would be left uncommitted.
    const bool last = stopping_;
    commit_ready(lock);
    savepoint_if_committed(lock);
    collect_garbage(lock);
    if (last || failed_ || savepoint_done_) break;
    if (stopping_) continue;  // its wake-up came while this round was writing
    if (on_savepoint_ && savepoint_request_ == 0) {
      // The open request serves, or a new one now.
      ask_roots();
      savepoint_request_ = requested_.load(std::memory_order_relaxed);
      if (savepoint_request_ == 0) savepoint_request_ = ~std::uint64_t{0};  // no root
      answer_if_ready();
    }
    if (Clock::now() >= next_ask) {
      ask_roots();
      next_ask = Clock::now() + options_.snapshot_interval;
    }
    wake_.wait_until(lock, std::min(next_ask, collector_.next_move(Clock::now())));
  }
}

bool SnapshotRun::commit_ready(std::unique_lock<std::mutex>& lock) {
  const Epoch least = *std::min_element(passed_.begin(), passed_.end());
  std::optional<Epoch> target;
  if (least == layout::kComplete) {
    target = layout::kComplete;
  } else {
    // The latest announced snapshot epoch every worker has passed.
    auto it = std::lower_bound(announced_.begin(), announced_.end(), least);
    if (it != announced_.begin()) target = *std::prev(it);
  }
  if (!target || (committed_ && *target <= *committed_)) return false;
  std::vector<Batch> batches(pending_.size());
  batches.swap(pending_);
  pending_.resize(batches.size());
  std::size_t bytes = 0;
  for (const Batch& b : batches) bytes += b.bytes();
  const bool written = write_unlocked(lock, [&] {
    const std::string mark = layout::encode_u64(*target);
    // Garbage collection in the commit (batch.hpp's superseding).
    const std::optional<Epoch> horizon = collector_.commit_horizon(Clock::now(), *target);
    for (std::uint32_t p = 0; p < batches.size(); ++p) {
      if (horizon) batches[p].set_horizon(Batch::Horizon{*horizon, layout::kLiveByte});
      batches[p].put(layout::meta_key("durable"), mark);
      store_->commit(p, batches[p], Durability::Buffered);
    }
    for (std::uint32_t p = 0; p < batches.size(); ++p) store_->sync(p);
    collector_.committed(Clock::now(), *target, batches, horizon);
  });
  if (written) {
    committed_ = target;
    pending_bytes_.fetch_sub(bytes, std::memory_order_acq_rel);
    // The buffers go back to the workers at their next hand-over: a snapshot's writes
    // do not fault in fresh memory each time. At most two per worker and partition.
    for (Batch& b : batches) b.release_buffers(spare_);
    const std::size_t keep = 2 * passed_.size() * pending_.size();
    if (spare_.size() > keep) spare_.resize(keep);
  }
  return written;
}

void SnapshotRun::collect_garbage(std::unique_lock<std::mutex>& lock) {
  if (failed_ || !collector_.due(Clock::now())) return;
  write_unlocked(lock, [&] {
    // Erasures need no sync: one a crash loses leaves a version the next run's sweep
    // erases, and a partition's batches stay in commit order.
    std::vector<Batch> erasures = collector_.collect(*store_, Clock::now());
    for (std::uint32_t p = 0; p < erasures.size(); ++p) {
      if (!erasures[p].empty()) store_->commit(p, erasures[p], Durability::Buffered);
    }
  });
}

bool SnapshotRun::write_unlocked(std::unique_lock<std::mutex>& lock,
                                 const std::function<void()>& write) {
  lock.unlock();
  std::exception_ptr error;
  try {
    write();
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  if (!error) return true;
  failed_ = true;
  lock.unlock();
  if (on_error_) on_error_(error);
  lock.lock();
  return false;
}

void SnapshotRun::savepoint_if_committed(std::unique_lock<std::mutex>& lock) {
  if (!savepoint_epoch_ || !committed_ || *committed_ < *savepoint_epoch_ ||
      *committed_ == layout::kComplete || publishing_) {
    return;
  }
  savepoint_done_ = true;
  const Epoch at = *committed_;
  auto call = on_savepoint_;
  lock.unlock();
  call(at);
  lock.lock();
}

}  // namespace sluice::recovery
