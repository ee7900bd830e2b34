// The idle-session rebuilder (reference §3.10): every tick, RECEIVING sessions idle for at
// least the build interval (and not prevent_auto_commit / SOURCE=uploader, no file being
// written) are built to READY, then archived if their auto-archive code or project says so.
// Direct-archive sessions are archived the same way (§3.11). Also purges expired HTTP sessions.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "emulator.hpp"

namespace xnatctl::emulator {

class SessionBuilder {
 public:
  explicit SessionBuilder(Emulator& emu) : emu_(emu) {}
  ~SessionBuilder() { stop(); }
  void start();
  void stop();
  void tick();  // one pass (public for clarity; the thread calls it)

 private:
  Emulator& emu_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace xnatctl::emulator
