// Runs discover() once over a source and prints what it found and how long it took, for
// bench/discovery_bench.sh (which compares it with `find -type f` over the same tree).
// Usage: xnatctl_discovery_driver SOURCE [THREADS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "xnatctl/upload/discovery.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SOURCE [THREADS]\n", argv[0]);
    return 2;
  }
  xnatctl::upload::DiscoveryOptions options;
  if (argc > 2) options.threads = std::atoi(argv[2]);
  try {
    const auto start = std::chrono::steady_clock::now();
    const auto d = xnatctl::upload::discover(argv[1], options);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("files %zu skipped %zu seconds %.3f\n", d.files.size(), d.skipped.size(),
                elapsed.count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
