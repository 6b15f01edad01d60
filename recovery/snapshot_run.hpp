// SnapshotRun: the recovery side of one run of a dataflow in this process: it opens
// the store (layout.hpp) for the run, agrees with the sources on the snapshot
// epochs, and commits what the workers hand over from a writer thread of its own.
//
// Snapshot epochs (the agreement). Every `snapshot_interval` of wall time the writer
// asks every root (each worker's instance of each source step) for the epoch its
// capability is at; a root reports it and holds its capability there (it keeps
// reading, at that epoch or later ones) until the answer. The answer is the greatest
// reported epoch S: while the roots hold, no frontier anywhere can pass S, so S is
// announced before any operator's input frontier passes it, and every operator
// learns it in time (a frontier that passes S was moved by a root that saw the
// answer). Decision: the next epoch the frontier passes after the interval becomes
// the snapshot epoch, whatever the epoch length (Bytewax ties snapshots to epochs;
// its users asked to separate them), and a root holds for one round trip only.
//
// Commits. A contributor (a stateful operator, a source, a sink) on a worker writes
// its changes before it applies anything past a snapshot epoch, each change tagged
// with the latest epoch it reflects, and says how far it has passed; a worker hands
// its writes over once its contributors' least passed epoch crosses a snapshot epoch
// (WorkerSnapshots). The writer commits a snapshot epoch S once every worker has
// passed it: one transaction per partition holding the writes and the partition's
// "durable" mark, then a sync of every partition; several snapshot epochs ready at
// once are one commit (group commit). A run whose every root finished commits
// kComplete last. A writer error (a failing disk, a full map) stops the run through
// `on_error` and nothing after the last commit is marked committed.
//
// Bounded memory. Workers write only when they cross an announced snapshot epoch, and
// the writer announces none while it commits (asking is its own loop's work), so a
// slow disk delays the next snapshot instead of queueing snapshots: what is held is
// the commit being written and the writes for the epochs announced since. Those can
// pile up only while some worker lags the others across several announcements (a
// stateful step behind an exchange passes an epoch on every worker at about the same
// time; pipelines without one can drift): over `pending_limit` bytes handed over and
// not yet committed, the writer asks for no new snapshot epoch until a commit brings
// them under it. What is held is then at most the limit plus one snapshot's changes.
//
// Garbage collection (version_collector.hpp). A key's version superseded at a
// committed epoch is kept for `backup_interval` of wall time after that commit (so a
// copy of the store taken within that time still resumes), then the writer erases it,
// in a commit of its own after a snapshot's commit or when the time comes. Nothing a
// resume at the committed epoch reads is ever erased. A resumed store's older
// versions are swept once, `backup_interval` after the run opened it.
//
// Thread safety: the agreement and hand_over are called from worker threads; the
// rest from the thread that runs the dataflow.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sluice/engine/activator.hpp>
#include <sluice/engine/epoch.hpp>
#include <sluice/recovery/store.hpp>
#include <sluice/recovery/version_collector.hpp>

namespace sluice::recovery {

class SnapshotRun {
 public:
  struct Options {
    std::chrono::milliseconds snapshot_interval{10'000};
    // How long superseded versions are kept after their commit (0: erased right after
    // the commit that supersedes them).
    std::chrono::milliseconds backup_interval{0};
    std::uint32_t workers = 1;
    std::uint32_t processes = 1;
    // The dataflow's description, one line per step; a store written by another
    // dataflow is refused, naming the first line that differs.
    std::vector<std::string> fingerprint;
    // The most bytes handed over and not yet committed before the writer stops asking
    // for snapshot epochs (see above). Decision: 256 MiB, about 4 M changed keys of a
    // small state.
    std::size_t pending_limit = std::size_t{256} << 20;
  };

  // Opens `store` for a run: checks its format and fingerprint (recording them in a
  // new store), finds the committed epoch, deletes every version after it, and
  // records this execution. Throws StoreError naming the directory and what to do.
  SnapshotRun(std::shared_ptr<Store> store, Options options);
  ~SnapshotRun();  // stop(false) if still running
  SnapshotRun(const SnapshotRun&) = delete;
  SnapshotRun& operator=(const SnapshotRun&) = delete;

  // The committed epoch this run resumes from (nullopt: a fresh start).
  std::optional<Epoch> resumed_from() const { return resumed_from_; }
  // The store holds a finished run (resumed_from() == kComplete): nothing to do.
  bool complete() const;
  // This run's first epoch: the one after the committed epoch, or 0.
  Epoch first_epoch() const;
  // This execution's number (1 for the first run on the store).
  std::uint32_t execution() const { return execution_; }
  const Store& store() const { return *store_; }
  std::uint32_t partitions() const { return store_->partitions(); }
  std::uint32_t workers() const { return options_.workers; }
  // The latest committed snapshot epoch (nullopt: none yet).
  std::optional<Epoch> committed() const;

  // --- the agreement (worker threads) ---
  // Registers a root at build time; it is activated when asked and when answered.
  std::uint32_t enroll_root(Activator activator);
  // The latest request (0: none yet) and the latest answered one.
  std::uint64_t requested() const { return requested_.load(std::memory_order_acquire); }
  std::uint64_t answered() const { return answered_.load(std::memory_order_acquire); }
  // Root `root` answers `request` with its capability's epoch (nullopt: it holds none
  // and never will again). A root that reads partitions of its own reports the
  // greatest epoch any of them reached (a finished one's too).
  void report(std::uint32_t root, std::uint64_t request, std::optional<Epoch> cap);
  // Root `root` finished (it holds no capability and never will again) having written
  // its positions at epochs up to `last`: every later snapshot epoch is at `last` or
  // after, so that those positions are in it. (A snapshot epoch below them would need
  // positions the root never wrote: it passed that epoch before it was announced.)
  void finish(std::uint32_t root, Epoch last);
  // The bytes handed over and not yet committed.
  std::size_t pending_bytes() const { return pending_bytes_.load(std::memory_order_acquire); }
  // How many snapshot epochs were announced; appends those from index `from` on.
  std::size_t announced_count() const { return announced_count_.load(std::memory_order_acquire); }
  void announced(std::size_t from, std::vector<Epoch>& out) const;
  // Every root finished and no request is open: no snapshot epoch will be announced
  // again (a contributor that passed everything need not write what only a later
  // snapshot would hold).
  bool announcements_closed() const { return closed_.load(std::memory_order_acquire); }

  // --- writes (worker threads) ---
  // Worker `worker` has written everything before `passed` (kComplete: everything):
  // `batches` (one per partition) move to the writer and are left empty.
  void hand_over(std::uint32_t worker, Epoch passed, std::vector<Batch>& batches);

  // Starts the writer thread (after every root enrolled). `on_error` is called from
  // it, once, with a writer failure.
  void start(std::function<void(std::exception_ptr)> on_error);
  // A savepoint (a signal's clean stop): asks the roots at once (or takes the open
  // request) and, once that snapshot epoch is committed, calls `on_committed` with it
  // from the writer thread; the writer commits nothing after it. If the run finishes
  // first (kComplete), it is never called.
  void request_savepoint(std::function<void(Epoch)> on_committed);
  // A savepoint was requested (whether or not it stopped the run).
  bool savepoint_requested() const;
  // A sink that finished asks before it publishes its files (renames them into place).
  // Exactly one of the two wins: a savepoint that stopped the run first refuses it
  // (false: the files stay temporary, a resumed run goes on with them); a sink that
  // publishes first makes a later savepoint commit without stopping the run (it is
  // finishing: its outputs are complete, and it ends normally).
  bool begin_publishing();

  // Ends the run. clean: commits everything handed over first (the run's last
  // snapshot, or kComplete once every worker passed everything). Not clean: commits
  // nothing more. Joins the writer.
  void stop(bool clean);

 private:
  void writer_loop();
  void ask_roots();                                                 // writer thread, under mutex_
  void answer_if_ready();                                           // under mutex_
  bool commit_ready(std::unique_lock<std::mutex>& lock);            // writer thread
  void collect_garbage(std::unique_lock<std::mutex>& lock);         // writer thread
  void savepoint_if_committed(std::unique_lock<std::mutex>& lock);  // writer thread
  // Runs `write` with mutex_ released; a failure stops the writer (on_error_).
  bool write_unlocked(std::unique_lock<std::mutex>& lock, const std::function<void()>& write);
  void open_store();

  std::shared_ptr<Store> store_;
  Options options_;
  std::optional<Epoch> resumed_from_;
  std::uint32_t execution_ = 0;
  VersionCollector collector_;  // the writer thread's (and open_store's)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread writer_;
  std::function<void(std::exception_ptr)> on_error_;
  bool started_ = false;  // start() was called: every root enrolled
  bool stopping_ = false;
  bool clean_ = false;
  bool failed_ = false;
  // The savepoint: wanted, the request it waits for (0: not asked yet), its epoch
  // once answered, and whether it was committed (the writer stops then).
  std::function<void(Epoch)> on_savepoint_;
  std::uint64_t savepoint_request_ = 0;
  std::optional<Epoch> savepoint_epoch_;
  bool savepoint_done_ = false;
  bool publishing_ = false;  // a sink published its files: no savepoint stops the run

  // The agreement.
  struct Root {
    Activator activator;
    std::uint64_t reported = 0;  // the latest request it answered
    bool done = false;           // holds no capability any more
  };
  std::vector<Root> roots_;
  std::atomic<std::uint64_t> requested_{0};
  std::atomic<std::uint64_t> answered_{0};
  std::optional<Epoch> answer_;  // the greatest epoch reported to the open request
  Epoch floor_ = 0;              // the greatest `last` of the finished roots
  std::vector<Epoch> announced_;
  std::atomic<std::size_t> announced_count_{0};
  std::atomic<bool> closed_{false};

  // Handed over, not committed yet.
  std::vector<Epoch> passed_;                  // per worker
  std::vector<Batch> pending_;                 // per partition
  std::atomic<std::size_t> pending_bytes_{0};  // of pending_ and the commit being written
  std::vector<std::string> spare_;             // committed batches' buffers, for reuse
  std::optional<Epoch> committed_;
};

}  // namespace sluice::recovery
