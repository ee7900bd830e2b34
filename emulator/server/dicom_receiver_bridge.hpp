// Wires colleague B's DicomReceiver (emulator/scp) into the emulator: every received object
// goes through the same per-object import as gradual-DICOM (reference §7.2).
#pragma once

#include <cstdint>
#include <memory>

#include "emulator.hpp"

namespace xnatctl::emulator {

class DicomReceiverBridge {
 public:
  explicit DicomReceiverBridge(Emulator& emu);
  ~DicomReceiverBridge();
  std::uint16_t start();  // returns the bound port
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xnatctl::emulator
