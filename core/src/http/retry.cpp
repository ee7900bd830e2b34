#include "xnatctl/http/retry.hpp"

#include <Poco/DateTimeParser.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>

namespace xnatctl::http {

bool is_retryable_status(int status, bool retry_transient_400) {
  switch (status) {
    case 429:
    case 502:
    case 503:
    case 504:
      return true;
    case 400:
      return retry_transient_400;
    default:
      return false;
  }
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::mt19937_64& random) {
  using std::chrono::milliseconds;
  long long delay = policy.initial_delay.count();
  for (int i = 1; i < retry && delay < policy.max_delay.count(); ++i) delay *= 2;
  delay = std::min(delay, static_cast<long long>(policy.max_delay.count()));
  if (delay <= 1) return milliseconds(delay);
  std::uniform_int_distribution<long long> pick(delay / 2, delay);
  return milliseconds(pick(random));
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    const std::string& value, std::chrono::system_clock::time_point now) {
  const std::string text = Poco::trim(value);
  unsigned seconds = 0;
  if (Poco::NumberParser::tryParseUnsigned(text, seconds)) {
    return std::chrono::milliseconds(static_cast<long long>(seconds) * 1000);
  }
  Poco::DateTime when;
  int tzd = 0;
  if (!Poco::DateTimeParser::tryParse(text, when, tzd)) return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(when.timestamp().epochTime() - tzd);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
  return std::max(wait, std::chrono::milliseconds(0));
}

}  // namespace xnatctl::http
