// Test-only wrapper around DicomReceiver for shell tests: prints "PORT <n>", logs one line per
// received object, and exits when stdin reaches EOF or after --max-seconds.
//
//   receiver_harness --spool DIR [--ae XNAT] [--keep DIR] [--status 0xC000] [--comment TEXT]
//                    [--abort-after N] [--log FILE] [--max-seconds 60]
//
// --keep moves each object to DIR/<n>.dcm (n counts from 1); the log line is
// "<status-hex> <file> <calling> <called> <peer> <transfer-syntax>".
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>

#include "dicom_receiver.hpp"

using namespace xnatctl::emulator;

int main(int argc, char** argv) {
  ReceiverOptions opts;
  std::string keep, log_path, comment;
  unsigned status = 0;
  int max_seconds = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--spool")
      opts.spool_dir = v;
    else if (k == "--ae")
      opts.ae_title = v;
    else if (k == "--keep")
      keep = v;
    else if (k == "--status")
      status = static_cast<unsigned>(std::stoul(v, nullptr, 0));
    else if (k == "--comment")
      comment = v;
    else if (k == "--abort-after")
      opts.abort_after_objects = std::stoi(v);
    else if (k == "--log")
      log_path = v;
    else if (k == "--max-seconds")
      max_seconds = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  std::mutex mu;
  std::atomic<int> count{0};
  auto handler = [&](const ReceivedObject& o) {
    std::lock_guard<std::mutex> lock(mu);
    std::filesystem::path file = o.file;
    if (!keep.empty()) {
      std::filesystem::create_directories(keep);
      file = std::filesystem::path(keep) / (std::to_string(++count) + ".dcm");
      std::filesystem::rename(o.file, file);
    }
    if (!log_path.empty()) {
      std::ofstream log(log_path, std::ios::app);
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%04X", status);
      log << hex << ' ' << file.string() << ' ' << o.calling_aet << ' ' << o.called_aet << ' '
          << o.peer_address << ' ' << o.transfer_syntax_uid << '\n';
    }
    return StoreOutcome{static_cast<std::uint16_t>(status), comment};
  };
  try {
    DicomReceiver receiver(opts, handler);
    std::cout << "PORT " << receiver.start() << std::endl;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
    char buf[256];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{0, POLLIN, 0};
      if (::poll(&p, 1, 200) > 0) {
        if (::read(0, buf, sizeof buf) <= 0) break;  // EOF: the test is done with us
      }
    }
    receiver.stop();
  } catch (const std::exception& e) {
    std::cerr << "receiver_harness: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
