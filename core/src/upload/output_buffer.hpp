#pragma once

// Bytes an archive writer has produced and the body's reader has not taken yet. Unlike a
// std::string, the room handed out to write into is not zero-filled first: a zip entry at
// deflate level 0 is as large as its data, and clearing every chunk only for deflate to
// overwrite it was one more pass over all of it.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

namespace xnatctl::upload {

class OutputBuffer {
 public:
  // At least `n` writable bytes after the data; commit() says how many now hold output.
  char* room(std::size_t n) {
    if (capacity_ - size_ < n) grow(size_ + n);
    return data_.get() + size_;
  }
  void commit(std::size_t n) { size_ += n; }
  void append(const void* bytes, std::size_t n) {
    std::memcpy(room(n), bytes, n);
    commit(n);
  }
  // What the reader has not taken yet.
  const char* unread() const { return data_.get() + taken_; }
  std::size_t unread_size() const { return size_ - taken_; }
  void take(std::size_t n) { taken_ += n; }
  // Bytes appended since the last clear(), taken or not.
  std::size_t size() const { return size_; }
  void clear() { size_ = taken_ = 0; }

 private:
  void grow(std::size_t needed) {
    const std::size_t capacity = std::max(needed, capacity_ * 2);
    std::unique_ptr<char[]> bigger(new char[capacity]);  // not value-initialised, see above
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t taken_ = 0;
};

}  // namespace xnatctl::upload
