#include "dicom_receiver_bridge.hpp"

#include "dicom_receiver.hpp"

namespace xnatctl::emulator {

struct DicomReceiverBridge::Impl {
  std::unique_ptr<DicomReceiver> receiver;
};

DicomReceiverBridge::DicomReceiverBridge(Emulator& emu) : impl_(std::make_unique<Impl>()) {
  ReceiverOptions options;
  options.ae_title = emu.config.dicom_aet;
  options.port = static_cast<std::uint16_t>(*emu.config.dicom_port);
  options.bind_address = emu.config.bind_address;
  // Spool on the data file system so the handler can rename() objects into place.
  options.spool_dir = emu.storage.root() / "tmp" / "scp";
  options.abort_after_objects = emu.config.faults.scp_abort_after;
  options.request_timeout_seconds = emu.config.header_timeout_seconds;
  impl_->receiver = std::make_unique<DicomReceiver>(
      options, [&emu](const ReceivedObject& object) -> StoreOutcome {
        ImportOptions import;
        import.user = "admin";                // XNAT's receivedFileUser default (§7.2)
        import.always_template_names = true;  // no original names over C-STORE (§7.2)
        try {
          emu.ingestor.ingest_file(import, object.file);
          return {};
        } catch (const IngestError& e) {
          return {c_store_status(e), e.what()};
        } catch (const std::exception& e) {
          return {0xA700, e.what()};
        }
      });
}

DicomReceiverBridge::~DicomReceiverBridge() {
  stop();
}

std::uint16_t DicomReceiverBridge::start() {
  return impl_->receiver->start();
}

void DicomReceiverBridge::stop() {
  if (impl_ && impl_->receiver) impl_->receiver->stop();
}

}  // namespace xnatctl::emulator
