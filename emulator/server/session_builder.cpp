#include "session_builder.hpp"

#include <iostream>

namespace xnatctl::emulator {

void SessionBuilder::start() {
  thread_ = std::thread([this] {
    const auto period = std::chrono::milliseconds(
        static_cast<long>(std::max(0.05, emu_.config.build_tick_seconds) * 1000));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      try {
        tick();
      } catch (const std::exception& e) {
        std::cerr << "xnat-emulator: session builder: " << e.what() << "\n";
      }
      lock.lock();
    }
  });
}

void SessionBuilder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SessionBuilder::tick() {
  emu_.sessions.purge_expired();
  auto& repo = emu_.repository;
  const auto idle =
      std::chrono::milliseconds(static_cast<long>(emu_.config.build_idle_seconds * 1000));
  const auto now = SystemClock::now();
  std::lock_guard lock(repo.mutex());
  auto eligible = [&](const PrearcSession& s) {
    return (s.status == PrearcStatus::RECEIVING || s.status == PrearcStatus::RECEIVING_INTERRUPT) &&
           !s.prevent_auto_commit && s.source != "uploader" && s.writers_in_flight == 0 &&
           now - s.lastmod >= idle;
  };
  for (auto& s : repo.sessions()) {
    if (!eligible(*s)) continue;
    if (!repo.build_session(*s)) continue;
    const Project* project = repo.find_project(s->project);
    const bool auto_archive = !s->project.empty() && (s->autoarchive_code >= 4 ||
                                                      (project && project->prearchive_code >= 4));
    if (!auto_archive) continue;
    ArchiveRequest rq;
    const int code = s->autoarchive_code >= 4 ? s->autoarchive_code : project->prearchive_code;
    rq.overwrite = code == 5 ? OverwriteMode::Delete : OverwriteMode::None;
    s->status = PrearcStatus::ARCHIVING;
    auto out = repo.archive_session(s, rq);
    if (!out.ok) {
      s->status = out.conflict ? PrearcStatus::CONFLICT : PrearcStatus::ERROR;
      s->message = out.message;
    }
  }
  for (auto& s : repo.direct_sessions()) {
    if (eligible(*s)) repo.finish_direct(s);
  }
}

}  // namespace xnatctl::emulator
