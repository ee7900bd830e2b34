#include "xnatctl/http/body.hpp"

#include <fstream>
#include <memory>

#include "xnatctl/error.hpp"

namespace xnatctl::http {

RequestBody string_body(std::string content) {
  struct State {
    std::string data;
    std::size_t offset = 0;
  };
  auto state = std::make_shared<State>(State{std::move(content)});
  RequestBody body;
  body.content_length = static_cast<std::int64_t>(state->data.size());
  body.read = [state](char* buffer, std::size_t size) {
    std::size_t n = std::min(size, state->data.size() - state->offset);
    state->data.copy(buffer, n, state->offset);
    state->offset += n;
    return n;
  };
  body.rewind = [state] {
    state->offset = 0;
    return true;
  };
  return body;
}

RequestBody file_body(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot read " + path.string() + ": " + ec.message());
  auto stream = std::make_shared<std::ifstream>(path, std::ios::binary);
  if (!*stream) throw Error("cannot open " + path.string());
  RequestBody body;
  body.content_length = static_cast<std::int64_t>(size);
  body.read = [stream, path](char* buffer, std::size_t want) {
    stream->read(buffer, static_cast<std::streamsize>(want));
    if (stream->bad()) throw Error("cannot read " + path.string());
    return static_cast<std::size_t>(stream->gcount());
  };
  body.rewind = [stream, path] {
    stream->close();
    stream->open(path, std::ios::binary);
    return static_cast<bool>(*stream);
  };
  return body;
}

}  // namespace xnatctl::http
