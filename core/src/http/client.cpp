#include "xnatctl/http/client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include <array>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>

#include "connection_pool.hpp"
#include "socket_body_writer.hpp"
#include "tls.hpp"
#include "xnatctl/cancel.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/http/errors.hpp"
#include "xnatctl/http/heartbeat.hpp"
#include "xnatctl/version.hpp"

namespace xnatctl::http {
namespace {

constexpr std::size_t kChunk = std::size_t{64} * 1024;
// A non-final response (retry, re-login) is drained to keep its connection when it is small;
// larger ones cost less to drop with the connection.
constexpr std::size_t kMaxDrain = std::size_t{256} * 1024;

// kTls and kProxy are final: another attempt would meet the same certificate or proxy.
enum class Failure { kNone, kNetwork, kTls, kProxy };

// The outcome of one exchange on the wire.
struct Attempt {
  Response response;
  Failure failure = Failure::kNone;
  std::string failure_message;
  bool reused_connection = false;
  bool timed_out = false;  // the server may have acted on the request: no free reconnect
  bool delivered = false;  // body went to the caller's sink: this response is final
};

// Hand-written because Poco::URI::encode always escapes ',' and friends; XNAT's own clients
// send `columns=ID,label` and `xsiType=xnat:mrScanData` literally, which keeps logs readable.
std::string encode_component(const std::string& text) {
  static const std::string kLiteral = "-._~:/,@!$'()*";
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || kLiteral.find(static_cast<char>(c)) != std::string::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Poco sets badbit instead of throwing when a socket fails inside a stream; the exception
// itself is kept by the session.
std::string stream_failure(const Poco::Net::HTTPClientSession& session, const char* what) {
  if (const Poco::Exception* e = session.networkException()) return e->displayText();
  return what;
}

// Errors are shown as one line; OpenSSL and Poco texts sometimes span several.
std::string single_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

class Client::Impl {
 public:
  explicit Impl(const ClientOptions& options) : options_(options), random_(std::random_device{}()) {
    Poco::URI base(options.base_url);
    base_path_ = base.getPath();
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    pool_ = std::make_unique<detail::ConnectionPool>(
        std::make_shared<const detail::ConnectionFactory>(
            base.getScheme(), base.getHost(), base.getPort(), options.proxy, options.tls),
        options.max_idle_connections);
    user_agent_ = options.user_agent.empty() ? xnatctl::user_agent() : options.user_agent;
    if (options.proxy) via_ = " (via proxy " + options.proxy->redacted() + ")";
  }

  void set_provider(std::shared_ptr<SessionProvider> provider) {
    std::lock_guard lock(provider_mutex_);
    provider_ = std::move(provider);
  }

  std::shared_ptr<SessionProvider> provider() {
    std::lock_guard lock(provider_mutex_);
    return provider_;
  }

  // Counts uploads in flight and keeps one heartbeat running while there are any.
  class UploadScope {
   public:
    UploadScope(Impl& impl, Client& client) : impl_(impl) {
      std::lock_guard lock(impl_.heartbeat_mutex_);
      if (impl_.uploads_in_flight_++ == 0) {
        impl_.heartbeat_ = std::make_unique<Heartbeat>(client, impl_.options_.heartbeat_interval);
      }
    }
    ~UploadScope() {
      std::unique_ptr<Heartbeat> stopped;
      {
        std::lock_guard lock(impl_.heartbeat_mutex_);
        if (--impl_.uploads_in_flight_ == 0) stopped = std::move(impl_.heartbeat_);
      }
      // Joined outside the lock: a ping in progress must not block new uploads.
    }
    UploadScope(const UploadScope&) = delete;
    UploadScope& operator=(const UploadScope&) = delete;

   private:
    Impl& impl_;
  };

  Response send(Client& self, const Request& request, const BodySink& sink) {
    std::optional<UploadScope> upload;
    if (request.body && request.authenticate && options_.heartbeat_interval.count() > 0) {
      upload.emplace(*this, self);
    }
    auto provider_ptr = request.authenticate ? provider() : nullptr;
    std::optional<SessionProvider::Token> token;
    if (provider_ptr) token = provider_ptr->current(self);
    bool renewed = false;
    bool free_reconnect_used = false;
    bool body_touched = false;
    int attempt = 1;
    int exchanges = 0;
    for (;;) {
      if (cancel::requested()) throw cancelled(request);
      if (request.body && body_touched) {
        if (!request.body->rewind || !request.body->rewind()) {
          throw TransportError(describe(request) +
                               ": cannot retry, the request body cannot be restarted");
        }
      }
      const bool may_retry = request.retry && attempt < options_.retry.max_attempts;
      const bool may_renew = provider_ptr && !renewed;
      body_touched = request.body.has_value();
      Attempt result = exchange(request, token, sink, may_retry, may_renew);
      ++stats_requests_;
      ++exchanges;
      result.response.attempts = exchanges;
      // A cancelled request fails on its shut-down socket; that is the user's doing.
      if (result.failure != Failure::kNone && cancel::requested()) throw cancelled(request);

      if (result.failure == Failure::kTls || result.failure == Failure::kProxy) {
        throw TransportError(describe(request) + ": " + result.failure_message);
      }
      if (result.failure == Failure::kNetwork) {
        // A pooled connection the server already closed fails on first use; that is not a
        // server problem, so it gets one immediate retry on a fresh connection.
        if (result.reused_connection && !result.timed_out && !free_reconnect_used) {
          free_reconnect_used = true;
          log("retrying on a new connection: " + result.failure_message);
          continue;
        }
        if (!may_retry) {
          throw TransportError(describe(request) + ": " + result.failure_message + " (after " +
                               std::to_string(attempt) + " attempt" + (attempt == 1 ? "" : "s") +
                               ")");
        }
        wait_before_retry(request, attempt, std::nullopt, result.failure_message);
        ++attempt;
        continue;
      }
      if (result.delivered) return result.response;

      if (result.response.status == 401 && may_renew) {
        renewed = true;
        auto fresh = provider_ptr->renew(self, token ? token->generation : 0);
        if (fresh) {
          ++stats_renewals_;
          log(describe(request) + ": session expired, replaying with a new session");
          token = fresh;
          continue;
        }
        // No credentials to log in again: let the caller see the 401 (its body is gone).
        return result.response;
      }
      // A retryable status with attempts left.
      auto retry_after = result.response.header("Retry-After");
      std::optional<std::chrono::milliseconds> server_delay;
      if (retry_after)
        server_delay = parse_retry_after(*retry_after, std::chrono::system_clock::now());
      wait_before_retry(request, attempt, server_delay,
                        "HTTP " + std::to_string(result.response.status));
      ++attempt;
    }
  }

  ClientStats stats() const {
    return {stats_requests_.load(), stats_retries_.load(), stats_renewals_.load()};
  }

 private:
  std::string describe(const Request& request) const {
    return request.method + " " + options_.base_url + request.path + via_;
  }

  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  void wait_before_retry(const Request& request, int attempt,
                         std::optional<std::chrono::milliseconds> server_delay,
                         const std::string& reason) {
    std::chrono::milliseconds delay;
    if (server_delay) {
      delay = std::min(*server_delay, options_.retry.max_retry_after);
    } else {
      std::lock_guard lock(random_mutex_);
      delay = backoff_delay(options_.retry, attempt, random_);
    }
    ++stats_retries_;
    log(describe(request) + ": " + reason + " on attempt " + std::to_string(attempt) + "/" +
        std::to_string(options_.retry.max_attempts) + ", retrying in " +
        std::to_string(delay.count()) + " ms");
    if (!cancel::sleep_for(delay)) throw cancelled(request);
  }

  Error cancelled(const Request& request) const {
    return Error(describe(request) + ": cancelled by the user", ExitCode::kCancelled);
  }

  std::string target(const Request& request) const {
    std::string uri = base_path_ + request.path;
    char separator = uri.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [name, value] : request.query) {
      uri += separator;
      uri += encode_component(name);
      uri += '=';
      uri += encode_component(value);
      separator = '&';
    }
    return uri;
  }

  Attempt exchange(const Request& request, const std::optional<SessionProvider::Token>& token,
                   const BodySink& sink, bool may_retry, bool may_renew) {
    Attempt result;
    auto lease = pool_->acquire();
    result.reused_connection = lease.reused;
    auto& session = *lease.session;
    // Ctrl-C shuts the socket down, so a request blocked in connect, send or receive
    // returns at once instead of after its (possibly hours-long) timeout.
    std::optional<cancel::Subscription> watch;
    watch.emplace([&session] {
      try {
        session.socket().shutdown();
      } catch (...) {  // not connected yet: nothing to wake, the loop checks the flag
      }
    });
    const auto timeout = request.timeout.value_or(options_.timeout);
    session.setTimeout(Poco::Timespan(options_.connect_timeout.count(), 0),
                       Poco::Timespan(timeout.count(), 0), Poco::Timespan(timeout.count(), 0));

    Poco::Net::HTTPRequest http_request(request.method, target(request),
                                        Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : request.headers) http_request.add(name, value);
    http_request.set("User-Agent", user_agent_);
    http_request.setKeepAlive(true);
    if (token) {
      Poco::Net::NameValueCollection cookies;
      cookies.add("JSESSIONID", token->value);
      http_request.setCookies(cookies);
    }
    if (request.body) {
      if (request.body->content_length >= 0) {
        http_request.setContentLength64(request.body->content_length);
      } else {
        http_request.setChunkedTransferEncoding(true);
      }
    } else if (request.method == "POST" || request.method == "PUT") {
      http_request.setContentLength(0);
    }

    std::exception_ptr callback_error;
    try {
      std::ostream& out = session.sendRequest(http_request);
      bool keep_connection = true;
      if (request.body) {
        try {
          send_body(request, out, session, callback_error);
        } catch (const Poco::Exception&) {
          // A server may answer before it has read the whole body (typically 401 for an
          // expired session) and close the connection. That answer decides what to do next
          // (re-login), so try to read it; if there is none, it was a plain network failure.
          if (callback_error || !early_response_possible(session)) throw;
          keep_connection = false;
        }
        if (callback_error) std::rethrow_exception(callback_error);
      }
      Poco::Net::HTTPResponse http_response;
      std::istream& in = session.receiveResponse(http_response);
      result.response.status = static_cast<int>(http_response.getStatus());
      result.response.reason = http_response.getReason();
      for (const auto& [name, value] : http_response)
        result.response.headers.emplace_back(name, value);
      log(request.method + " " + request.path + " -> " + std::to_string(result.response.status));

      const int status = result.response.status;
      const bool retry = may_retry && is_retryable_status(status, request.retry_transient_400);
      const bool renew = may_renew && status == 401;
      bool complete = false;
      if (retry || renew) {
        complete = drain(in);
      } else {
        result.delivered = true;
        complete = deliver(in, session, sink, request);
      }
      // After an early answer the body was cut short: the connection is unusable.
      if (keep_connection && complete && http_response.getKeepAlive() && !cancel::requested()) {
        watch.reset();  // the pool owns the session from here on
        pool_->release(std::move(lease.session));
      } else {
        session.reset();
      }
      return result;
    } catch (const Poco::Net::SSLException& e) {
      session.reset();
      if (callback_error) std::rethrow_exception(callback_error);
      const auto& factory = pool_->factory();
      result.failure = detail::is_certificate_failure(e) ? Failure::kTls : Failure::kNetwork;
      result.failure_message =
          single_line(detail::describe_tls_failure(e, factory.tls(), factory.host()));
    } catch (const Poco::TimeoutException& e) {
      session.reset();
      if (callback_error) std::rethrow_exception(callback_error);
      result.failure = Failure::kNetwork;
      result.timed_out = true;
      result.failure_message = single_line(e.displayText());
    } catch (const Poco::Exception& e) {
      session.reset();
      if (callback_error) std::rethrow_exception(callback_error);
      result.failure = Failure::kNetwork;
      result.failure_message = single_line(e.displayText());
      if (auto refusal = pool_->factory().describe_proxy_refusal(e)) {
        result.failure = Failure::kProxy;
        result.failure_message = *refusal;
      }
    } catch (const std::ios_base::failure& e) {
      session.reset();
      result.failure = Failure::kNetwork;
      result.failure_message = single_line(e.what());
    } catch (...) {
      session.reset();
      throw;
    }
    return result;
  }

  void send_body(const Request& request, std::ostream& out, Poco::Net::HTTPClientSession& session,
                 std::exception_ptr& callback_error) {
    // Poco 1.11 buffers the headers of a fixed-length request in `out`: they must reach the
    // socket before the first byte written past it.
    out.flush();
    if (!out) throw Poco::IOException(stream_failure(session, "connection lost while sending"));
    const auto expected = request.body->content_length;
    auto mismatch = [&](std::int64_t produced, const char* how) {
      return std::make_exception_ptr(Error(describe(request) + ": the request body produced " +
                                           how + std::to_string(produced) +
                                           " bytes but announced " + std::to_string(expected)));
    };
    detail::SocketBodyWriter writer(session, expected);
    std::int64_t sent = 0;
    for (bool end = false; !end;) {
      // Fill a whole frame first: bodies often return small pieces (tar headers, short files),
      // and each frame is one send().
      std::size_t filled = 0;
      while (filled < writer.capacity()) {
        std::size_t n = 0;
        try {
          n = request.body->read(writer.data() + filled, writer.capacity() - filled);
        } catch (...) {
          callback_error = std::current_exception();
          return;
        }
        if (n == 0) {
          end = true;
          break;
        }
        filled += n;
      }
      // Checked before sending: bytes past the announced length would be read by the server
      // as the start of another request.
      if (expected >= 0 && sent + static_cast<std::int64_t>(filled) > expected) {
        callback_error = mismatch(sent + static_cast<std::int64_t>(filled), "at least ");
        return;
      }
      writer.write(filled);
      sent += static_cast<std::int64_t>(filled);
    }
    if (expected >= 0 && sent != expected) {
      callback_error = mismatch(sent, "");
      return;
    }
    out.flush();
    if (!out) throw Poco::IOException(stream_failure(session, "connection lost while sending"));
  }

  // True when the server has sent something we have not read: an early answer.
  static bool early_response_possible(Poco::Net::HTTPClientSession& session) {
    try {
      return session.socket().poll(Poco::Timespan(0, 200000), Poco::Net::Socket::SELECT_READ);
    } catch (const Poco::Exception&) {
      return false;
    }
  }

  static bool drain(std::istream& in) {
    std::array<char, kChunk> buffer;  // NOLINT: not zeroed, 64 KiB a request adds up
    std::size_t total = 0;
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
      total += static_cast<std::size_t>(in.gcount());
      if (total > kMaxDrain) return false;
      if (in.eof()) break;
    }
    return !in.bad();
  }

  bool deliver(std::istream& in, Poco::Net::HTTPClientSession& session, const BodySink& sink,
               const Request& request) {
    std::array<char, kChunk> buffer;  // NOLINT: not zeroed, 64 KiB a request adds up
    for (;;) {
      in.read(buffer.data(), buffer.size());
      const auto n = static_cast<std::size_t>(in.gcount());
      if (n > 0 && sink && !sink(buffer.data(), n)) {
        throw Error(describe(request) + ": transfer cancelled", ExitCode::kCancelled);
      }
      if (in.bad()) {
        // Part of the body already went to the sink, so a retry could duplicate it.
        throw TransportError(describe(request) + ": " +
                             stream_failure(session, "connection lost while receiving"));
      }
      if (n == 0 || in.eof()) return true;
    }
  }

  const ClientOptions& options_;
  std::string base_path_;
  std::string user_agent_;
  std::string via_;  // " (via proxy http://host:port)" in messages, never with a password
  std::unique_ptr<detail::ConnectionPool> pool_;
  std::mutex provider_mutex_;
  std::shared_ptr<SessionProvider> provider_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  std::atomic<std::uint64_t> stats_requests_{0};
  std::atomic<std::uint64_t> stats_retries_{0};
  std::atomic<std::uint64_t> stats_renewals_{0};
  std::mutex heartbeat_mutex_;
  int uploads_in_flight_ = 0;
  std::unique_ptr<Heartbeat> heartbeat_;
};

Client::Client(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}

Client::~Client() = default;

void Client::set_session_provider(std::shared_ptr<SessionProvider> provider) {
  impl_->set_provider(std::move(provider));
}

Response Client::send(const Request& request, const BodySink& sink) {
  return impl_->send(*this, request, sink);
}

TextResponse Client::fetch(const Request& request, std::size_t max_body) {
  TextResponse text;
  bool too_large = false;
  Response response;
  try {
    response = send(request, [&](const char* data, std::size_t size) {
      if (text.body.size() + size > max_body) {
        too_large = true;
        return false;
      }
      text.body.append(data, size);
      return true;
    });
  } catch (const Error&) {
    if (too_large) {
      throw Error(request.method + " " + request.path + ": response larger than " +
                  std::to_string(max_body) + " bytes");
    }
    throw;
  }
  static_cast<Response&>(text) = std::move(response);
  return text;
}

ClientStats Client::stats() const {
  return impl_->stats();
}

}  // namespace xnatctl::http
