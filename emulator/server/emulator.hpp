// Everything one running emulator owns, shared by all request handlers.
#pragma once

#include <memory>

#include "auth.hpp"
#include "config.hpp"
#include "faults.hpp"
#include "object_ingest.hpp"
#include "repository.hpp"
#include "storage.hpp"

namespace xnatctl::emulator {

struct Emulator {
  explicit Emulator(const EmulatorConfig& cfg)
      : config(cfg),
        storage(cfg.data_dir, cfg.sink),
        repository(storage, cfg.projects),
        sessions(cfg.users, std::chrono::seconds(cfg.session_timeout_seconds)),
        faults(cfg.faults),
        ingestor(repository, storage, cfg.rewrite_header) {}

  EmulatorConfig config;
  Storage storage;
  Repository repository;
  SessionRegistry sessions;
  FaultInjector faults;
  ObjectIngestor ingestor;
};

}  // namespace xnatctl::emulator
