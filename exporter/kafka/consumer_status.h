// Consumer lag health in the manner of Burrow's evaluator, adapted to an exporter that observes
// committed offsets by polling rather than by reading every commit.
//
// Per (group, topic, partition) we keep a window of the last N *commits*: a commit is recorded
// when a collection sees a committed offset different from the previous one (the time is when
// it was first seen, the lag is high watermark - offset at that collection). As in Burrow's
// storage, the lag of the newest entry is refreshed every collection with the current lag.
// Over that window, in Burrow's order:
//   STOP   the newest lag is above the allowed lag and the time since the last commit exceeds
//          both the window's span (last commit - first commit) and `min_stop_seconds` (which
//          keeps a consumer that commits less often than we collect from flapping). If the group
//          is known to have live members consuming the topic, a consumer that does not advance
//          is STALL instead (it is alive but stuck) - polling cannot see repeated commits of the
//          same offset, which is how Burrow itself tells the two apart.
//   REWIND an offset went backwards inside the window and never got back to where it was.
//   OK     the lag was at or below the allowed lag at some commit in the window (or now).
//   STALL  (Burrow's rule: all offsets equal) only reachable through the liveness case above.
//   WARN   at least two commits and the lag never decreased from one commit to the next.
//   OK     otherwise.
// Codes are Burrow's: NOTFOUND=0 OK=1 WARN=2 ERR=3 STOP=4 STALL=5 REWIND=6. A group's status is
// Burrow's: ERR when any partition is STOP, STALL or REWIND, else its worst partition's (OK or
// WARN); see GroupStatus().
//
// Pure code, no clock or I/O: callers pass times in seconds. Not thread-safe (value types).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace streamlens::exporter::kafka {

enum class ConsumerStatus : int {
  kNotFound = 0,
  kOk = 1,
  kWarn = 2,
  kErr = 3,
  kStop = 4,
  kStall = 5,
  kRewind = 6,
};

// "OK", "WARN", ... as Burrow spells them ("NOTFOUND" for kNotFound).
std::string_view ConsumerStatusName(ConsumerStatus status);

struct CommitEntry {
  int64_t offset;
  int64_t lag;
  double time;  // seconds
};

struct StatusParams {
  int64_t allowed_lag = 0;      // lag at or below this counts as caught up
  double min_stop_seconds = 0;  // STOP needs at least this long without a commit
};

// Evaluates a window of commits (oldest first) at time `now`. `consumer_alive`: whether the
// group is known to have live members consuming this partition's topic (nullopt: unknown).
// An empty window is kNotFound.
ConsumerStatus EvaluateCommits(std::span<const CommitEntry> window, double now,
                               std::optional<bool> consumer_alive, const StatusParams& params);

// Burrow's group status from the group's worst (highest-coded) partition status: STOP, STALL and
// REWIND make the group ERR; NOTFOUND, OK and WARN carry over.
ConsumerStatus GroupStatus(ConsumerStatus worst_partition);

// The window for one partition: records commits as described above. Bounded (ring of N).
class CommitWindow {
 public:
  explicit CommitWindow(size_t size = 10) : size_(size < 1 ? 1 : size) {}
  // One collection's observation of the committed offset and the partition's high watermark.
  void Observe(int64_t committed, int64_t high_watermark, double now);
  ConsumerStatus Evaluate(double now, std::optional<bool> consumer_alive,
                          const StatusParams& params) const {
    return EvaluateCommits(entries_, now, consumer_alive, params);
  }
  std::span<const CommitEntry> entries() const { return entries_; }

 private:
  size_t size_;
  std::vector<CommitEntry> entries_;  // oldest first; small (N ~ 10), so erase(begin) is cheap
};

}  // namespace streamlens::exporter::kafka
