#include "transcode.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <mutex>
#include <stdexcept>

namespace cstore {

std::unique_ptr<DcmFileFormat> convert(const std::string& bytes,
                                       const std::string& target_syntax_uid) {
  static std::once_flag codecs;
  // Registered once and never removed: the plugin is never unloaded while the process runs.
  std::call_once(codecs, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
  DcmInputBufferStream in;
  in.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  in.setEos();
  auto file = std::make_unique<DcmFileFormat>();
  file->transferInit();
  OFCondition cond = file->read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  file->transferEnd();
  if (cond.bad()) throw std::runtime_error(std::string("cannot parse the file: ") + cond.text());
  const DcmXfer target(target_syntax_uid.c_str());
  DcmDataset* dataset = file->getDataset();
  const DcmXfer original(dataset->getOriginalXfer());
  cond = dataset->chooseRepresentation(target.getXfer(), nullptr);
  if (cond.bad() || !dataset->canWriteXfer(target.getXfer()))
    throw std::runtime_error(std::string("cannot convert from ") + original.getXferName() + " to " +
                             target.getXferName() +
                             (cond.bad() ? std::string(": ") + cond.text() : std::string()));
  return file;
}

}  // namespace cstore
