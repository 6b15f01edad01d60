// The channel layer's one interface between workers: a Pusher sends messages to one
// peer worker, a Puller receives them from one peer worker, each in FIFO order.
// In-process peers use bounded queues (detail/queue_channel.hpp); a transport between
// processes implements the same two interfaces, so operators and the progress
// protocol never know where a peer lives. Calls are per message (a batch), never
// per record.
#pragma once

namespace sluice {

template <class M>
class Pusher {
 public:
  virtual ~Pusher() = default;
  // Hands `message` to the peer. May block the calling fiber while the channel is full
  // (backpressure); throws detail::Aborted if the run is being torn down meanwhile.
  virtual void push(M&& message) = 0;
};

template <class M>
class Puller {
 public:
  virtual ~Puller() = default;
  // Moves the oldest message into `out`; false when there is none right now.
  virtual bool pull(M& out) = 0;
  // A cheap hint, callable from the receiving worker at any time: true if pull() may
  // succeed.
  virtual bool has_data() const = 0;
};

}  // namespace sluice
