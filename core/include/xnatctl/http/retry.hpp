#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>

namespace xnatctl::http {

struct RetryPolicy {
  int max_attempts = 5;                           // first try included
  std::chrono::milliseconds initial_delay{1000};  // doubles per attempt
  std::chrono::milliseconds max_delay{30000};
  std::chrono::milliseconds max_retry_after{300000};  // cap on a server's Retry-After
};

// 429, 502, 503, 504 always; 400 only when the request opted in (XNAT's import race).
bool is_retryable_status(int status, bool retry_transient_400);

// Exponential backoff with "full jitter": a random delay in [delay/2, delay], where delay =
// initial * 2^(retry-1) capped at max_delay. Jitter keeps many workers from retrying in step.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::mt19937_64& random);

// A Retry-After header value: delta-seconds or an HTTP-date. nullopt when unparsable.
std::optional<std::chrono::milliseconds> parse_retry_after(
    const std::string& value, std::chrono::system_clock::time_point now);

}  // namespace xnatctl::http
