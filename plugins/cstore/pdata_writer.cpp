#include "pdata_writer.hpp"

#include <dcmtk/config/osconfig.h>  // must precede every other DCMTK header
#include <dcmtk/dcmnet/dcmtrans.h>

#include <cerrno>

namespace cstore {
namespace {

void put_u32(std::vector<char>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

}  // namespace

bool PDataWriter::add(std::uint8_t context, bool command, bool last, const char* data,
                      std::size_t length) {
  const auto item_length = static_cast<std::uint32_t>(length + 2);  // + context id + header
  pending_.push_back(0x04);                                         // P-DATA-TF
  pending_.push_back(0x00);
  put_u32(pending_, item_length + 4);  // the PDU holds one PDV item
  put_u32(pending_, item_length);
  pending_.push_back(static_cast<char>(context));
  // Message control header: bit 0 command (1) or data set (0), bit 1 last fragment.
  pending_.push_back(static_cast<char>((command ? 0x01 : 0x00) | (last ? 0x02 : 0x00)));
  pending_.insert(pending_.end(), data, data + length);
  return pending_.size() < kFlushAt || flush();
}

bool PDataWriter::flush() {
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = connection_->write(pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EPIPE;
      pending_.clear();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
  return true;
}

}  // namespace cstore
