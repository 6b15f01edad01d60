// StdOutSink<T>: writes every record to standard output (or another std::ostream),
// one line per record (the record with operator<<, then '\n').
//
// A dynamic sink: each worker writes its own records. Each batch is rendered into one
// buffer and written with one call under a process-wide lock, then flushed, so lines
// of different workers (and of different StdOutSinks) never interleave mid-line.
// Lines of one worker keep their order. The stream must outlive the run.
#pragma once

#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/io/detail/line_formatter.hpp>
#include <sluice/io/sink.hpp>

namespace sluice::io {

namespace detail {
// Writes `text` to `out` and flushes, under one process-wide lock. Throws
// std::runtime_error if the stream fails.
void write_locked(std::ostream& out, std::string_view text);
}  // namespace detail

template <class T = std::string>
class StdOutSink final : public DynamicSink<T> {
 public:
  explicit StdOutSink(std::ostream& out = std::cout) : out_(&out) {}

  std::unique_ptr<StatelessSinkPartition<T>> build(const std::string&, std::uint32_t,
                                                   std::uint32_t) override {
    return std::make_unique<Partition>(*out_);
  }
  // Standard output or error, when that is the stream (the file behind it, if it is
  // one: "prog --input x.txt > x.txt" is refused). Shared: StdOutSinks do not conflict.
  std::vector<FileUse> files() const override {
    if (out_ == &std::cout) return {{"/dev/stdout", FileUse::Access::SharedWrite, {}}};
    if (out_ == &std::cerr || out_ == &std::clog) {
      return {{"/dev/stderr", FileUse::Access::SharedWrite, {}}};
    }
    return {};
  }

 private:
  class Partition final : public StatelessSinkPartition<T> {
   public:
    explicit Partition(std::ostream& out) : out_(out) {}
    void write_batch(std::vector<T>& items) override {
      detail::write_locked(out_, format_.format(items));
    }

   private:
    std::ostream& out_;
    detail::LineFormatter<T> format_;
  };

  std::ostream* out_;
};

}  // namespace sluice::io
