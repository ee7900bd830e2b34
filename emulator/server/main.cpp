// xnat-emulator: behaves like an XNAT server where a client can see it (reference
// xnat-server-api.md), for tests, benchmarks, the README demo and offline pipelines.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli_options.hpp"
#include "dicom_receiver_bridge.hpp"
#include "emulator.hpp"
#include "http_server.hpp"
#include "session_builder.hpp"

using namespace xnatctl::emulator;

namespace {

// Written under a temp name and renamed, so a reader never sees a partial file.
void write_port_file(const std::filesystem::path& file, std::uint16_t http,
                     std::optional<std::uint16_t> dicom) {
  const auto temp = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream out(temp, std::ios::trunc);
    out << "http=" << http << "\n";
    if (dicom) out << "dicom=" << *dicom << "\n";
    if (!out) throw std::runtime_error("cannot write " + temp.string());
  }
  std::filesystem::rename(temp, file);
}

// Blocks until SIGTERM/SIGINT or the --max-runtime deadline. The signals are blocked in every
// thread (set before any thread starts) and taken synchronously here.
int wait_for_stop(const sigset_t& signals, double max_runtime_seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(max_runtime_seconds * 1000));
  while (true) {
    timespec timeout{1, 0};
    if (max_runtime_seconds > 0) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::seconds(0)) {
        std::cerr << "xnat-emulator: --max-runtime reached, stopping\n";
        return 0;
      }
      if (left < std::chrono::seconds(1)) {
        timeout.tv_sec = 0;
        timeout.tv_nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      }
    }
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGTERM || sig == SIGINT) return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  std::optional<EmulatorConfig> config;
  try {
    config = parse_command_line(argc, argv);
    if (!config) return 0;
  } catch (const std::exception& e) {
    std::cerr << "xnat-emulator: " << e.what() << "\n(see --help)\n";
    return 2;
  }
  try {
    Emulator emu(*config);
    emu.storage.prepare(config->reset_data);
    HttpServer http(emu);
    const auto http_port = http.start();
    std::unique_ptr<DicomReceiverBridge> dicom;
    std::optional<std::uint16_t> dicom_port;
    if (config->dicom_port) {
      dicom = std::make_unique<DicomReceiverBridge>(emu);
      dicom_port = dicom->start();
    }
    SessionBuilder builder(emu);
    builder.start();
    if (!config->port_file.empty()) write_port_file(config->port_file, http_port, dicom_port);
    std::cerr << "xnat-emulator: serving " << (config->tls_cert.empty() ? "http" : "https") << "://"
              << config->bind_address << ":" << http_port << config->context_path
              << " data=" << config->data_dir.string() << (config->sink ? " (sink)" : "");
    if (dicom_port) std::cerr << " dicom=" << config->dicom_aet << "@" << *dicom_port;
    std::cerr << std::endl;

    const int rc = wait_for_stop(signals, config->max_runtime_seconds);
    builder.stop();
    if (dicom) dicom->stop();
    http.stop();
    if (!config->port_file.empty()) std::filesystem::remove(config->port_file);
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "xnat-emulator: " << e.what() << "\n";
    return 1;
  }
}
