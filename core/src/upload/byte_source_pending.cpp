// Placeholder until the streaming byte sources land (they replace this file): keeps the host
// linkable while the upload pipeline is assembled. Nothing calls these yet.
#include "xnatctl/error.hpp"
#include "xnatctl/upload/byte_source.hpp"

namespace xnatctl::upload {

namespace {
[[noreturn]] void pending() {
  throw Error("streaming upload bodies are not built into this xnatctl yet",
              ExitCode::kUnavailable);
}
}  // namespace

std::unique_ptr<ByteSource> open_job_file(const Job&, std::size_t, ProgressHook) {
  pending();
}
std::unique_ptr<ByteSource> open_source_archive(const Job&, ProgressHook) {
  pending();
}
std::unique_ptr<ByteSource> open_archive_body(const Job&, std::vector<std::size_t>, ArchiveFormat,
                                              ProgressHook) {
  pending();
}
std::int64_t tar_body_size(const Job&, const std::vector<std::size_t>&) {
  pending();
}

}  // namespace xnatctl::upload
