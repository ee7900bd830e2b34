// The built rest_gradual.so in the SDK's FakeHost: requests, per-file reports, ordering,
// failures and their classification, cancellation, dry run. The HTTP handler plays XNAT.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "xnatctl/sdk_testing.hpp"

namespace {

using xc::testing::FakeHost;
using xc::testing::PluginLibrary;
using Exchange = FakeHost::HttpExchange;

constexpr const char* kImport = "/data/services/import/";
constexpr const char* kSessionUri = "/xapi/direct-archive/PROJECT/1.2.3/SESSION";

std::string content_of(std::size_t index) {
  return "DICM-object-" + std::to_string(index) + std::string(100 + index, 'x');
}

// `per_scan` files in each of `scans` scans (SeriesNumber 1..scans), in scan order.
void add_files(FakeHost& host, std::size_t scans, std::size_t per_scan) {
  std::size_t index = 0;
  for (std::size_t s = 1; s <= scans; ++s) {
    for (std::size_t k = 0; k < per_scan; ++k, ++index) {
      FakeHost::File f;
      f.relative_path = "series" + std::to_string(s) + "/IM" + std::to_string(k) + ".dcm";
      f.content = content_of(index);
      f.attributes = {{"SeriesNumber", std::to_string(s)},
                      {"SeriesInstanceUID", "1.2.3." + std::to_string(s)},
                      {"SOPInstanceUID", "1.2.3.4." + std::to_string(index)}};
      host.add_file(std::move(f));
    }
  }
}

// The job index whose bytes a request carried (every file's content is distinct), or
// `count` for none. No Catch2 assertion here: handlers run on the plugin's threads.
std::size_t file_of(const Exchange& rq, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    if (rq.body == content_of(i)) return i;
  return count;
}

std::string query_value(const Exchange& rq, const std::string& key) {
  for (const auto& [k, v] : rq.query)
    if (k == key) return v;
  return "<absent>";
}

std::string ok(xc_http_response& rs) {
  rs.status = 200;
  return std::string(kSessionUri) + "\r\n";
}

}  // namespace

TEST_CASE("rest_gradual declares a per-file, parallel, resumable transport", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  REQUIRE(plugin.descriptor().transport_count == 1);
  const xc_transport_desc& t = *plugin.descriptor().transports[0];
  CHECK(std::string(t.name) == "rest_gradual");
  CHECK(std::string(t.command) == "session upload");
  CHECK(t.capabilities == (XC_TRANSPORT_PER_FILE_RESULTS | XC_TRANSPORT_PARALLEL |
                           XC_TRANSPORT_NEEDS_HTTP | XC_TRANSPORT_RESUME | XC_TRANSPORT_DRY_RUN));
  CHECK(t.describe != nullptr);
  CHECK(t.option_count == 0);  // every setting comes typed from the job
}

TEST_CASE("every file is one named POST with gradual-DICOM and its own report", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 4;
  add_files(host, 3, 10);
  host.on_http([](const Exchange&, xc_http_response& rs) { return ok(rs); });

  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  const auto& requests = host.http_requests();
  REQUIRE(requests.size() == 30);
  std::set<std::string> paths;
  std::set<std::size_t> files;
  for (const auto& rq : requests) {
    CHECK(rq.method == "POST");
    REQUIRE(rq.path.rfind(kImport, 0) == 0);
    const std::string name = rq.path.substr(std::string(kImport).size());
    CHECK(name.find('/') == std::string::npos);
    CHECK(paths.insert(rq.path).second);  // no two objects share a name
    const std::size_t f = file_of(rq, 30);
    REQUIRE(f < 30);
    files.insert(f);
    CHECK(name == "series" + std::to_string(f / 10 + 1) + "_IM" + std::to_string(f % 10) + ".dcm");
    CHECK(query_value(rq, "import-handler") == "gradual-DICOM");
    CHECK(query_value(rq, "PROJECT_ID") == "PROJECT");
    CHECK(query_value(rq, "SUBJECT_ID") == "SUBJECT");
    CHECK(query_value(rq, "EXPT_LABEL") == "SESSION");
    CHECK(query_value(rq, "Direct-Archive") == "true");
    CHECK(query_value(rq, "overwrite") == "delete");
    CHECK(query_value(rq, "Ignore-Unparsable") == "<absent>");
    CHECK(rq.headers ==
          std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/dicom"}});
    CHECK(rq.flags == 0u);
  }
  CHECK(files.size() == 30);
  REQUIRE(host.file_results().size() == 30);
  for (const auto& [index, r] : host.file_results()) {
    CHECK(r.outcome == XC_OK);
    CHECK(r.status == 200);
    CHECK(r.attempts == 1u);
    CHECK(r.uri == kSessionUri);
    CHECK(r.batch_size == 1u);
  }
  CHECK(host.report_calls() == 30);
  CHECK(host.started_files().size() == 30);
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < 30; ++i) bytes += content_of(i).size();
  CHECK(host.progress_bytes() == bytes);
  CHECK(host.open_bodies() == 0);
  CHECK(host.violations().empty());
}

TEST_CASE("the prearchive destination and --overwrite none shape the query", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().destination = XC_DEST_PREARCHIVE;
  host.job_info().overwrite = XC_OVERWRITE_NONE;
  add_files(host, 1, 2);
  host.on_http([](const Exchange&, xc_http_response& rs) {
    rs.status = 200;
    return std::string("/data/prearchive/projects/PROJECT/20240101_120000000/SESSION\r\n");
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  for (const auto& rq : host.http_requests()) {
    CHECK(query_value(rq, "dest") == "/prearchive/projects/PROJECT");
    CHECK(query_value(rq, "Direct-Archive") == "<absent>");
    CHECK(query_value(rq, "overwrite") == "<absent>");  // any value would allow merging
  }
  CHECK(host.file_results().at(1).uri ==
        "/data/prearchive/projects/PROJECT/20240101_120000000/SESSION");
}

TEST_CASE("each object is sent under the host's object name, as it is", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  // The names a host hands out (sdk.h: URL-safe already); the plugin must not re-derive them.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"a_b/c.dcm", "a_b_c.dcm"}, {"a/b_c.dcm", "a_b_c~1f2e3d4c.dcm"}, {"up/x y.dcm", "N-3.dcm"}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    FakeHost::File f;
    f.relative_path = files[i].first;
    f.object_name = files[i].second;
    f.content = content_of(i);
    host.add_file(std::move(f));
  }
  std::mutex m;
  std::map<std::size_t, std::string> name_of;
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    std::lock_guard lock(m);
    name_of[file_of(rq, files.size())] = rq.path.substr(std::string(kImport).size());
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  REQUIRE(name_of.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) CHECK(name_of[i] == files[i].second);
}

TEST_CASE("on a host without object names (ABI 1.0) the upload fails plainly", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  CHECK(plugin.descriptor().abi_minor == 1);  // so a real 1.0 host refuses to load it
  FakeHost host;
  host.set_abi_minor(0);
  add_files(host, 1, 2);
  host.on_http([&](const Exchange&, xc_http_response& rs) { return ok(rs); });
  CHECK(host.upload(plugin.descriptor(), "rest_gradual") == XC_UNSUPPORTED);
  CHECK(host.last_error().find("needs object names from the host (plugin ABI 1.1)") !=
        std::string::npos);
  CHECK(host.last_error().find("upgrade xnatctl") != std::string::npos);
  CHECK(host.http_requests().empty());
  CHECK(host.file_results().empty());
}

TEST_CASE("each scan's first object is answered before the rest of it is sent", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 8;
  add_files(host, 4, 12);
  std::mutex m;
  std::size_t clock = 0;
  std::map<std::size_t, std::pair<std::size_t, std::size_t>> span;  // file -> (enter, leave)
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    const std::size_t f = file_of(rq, 48);
    {
      std::lock_guard lock(m);
      span[f].first = ++clock;
    }
    // Give a wrong implementation every chance to overtake a first object.
    for (int i = 0; i < 200; ++i) std::this_thread::yield();
    std::lock_guard lock(m);
    span[f].second = ++clock;
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  REQUIRE(span.size() == 48);
  // File 0 created the session: everything else entered after it left.
  for (std::size_t f = 1; f < 48; ++f) CHECK(span[f].first > span[0].second);
  // Each scan's first file (0, 12, 24, 36) was answered before its other files went.
  for (std::size_t scan = 0; scan < 4; ++scan) {
    const std::size_t leader = scan * 12;
    for (std::size_t f = leader + 1; f < leader + 12; ++f)
      CHECK(span[f].first > span[leader].second);
  }
}

TEST_CASE("workers send in parallel", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 4;
  add_files(host, 1, 20);
  std::mutex m;
  std::condition_variable cv;
  std::size_t inside = 0, most = 0;
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    std::unique_lock lock(m);
    if (file_of(rq, 20) != 0) {
      ++inside;
      most = std::max(most, inside);
      cv.notify_all();
      // Four at once must happen; the deadline only turns a serial sender into a failure.
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return most >= 4; });
      --inside;
    }
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  CHECK(most == 4);
}

TEST_CASE("a poison object is reported once as FATAL while every other file lands", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 4;
  add_files(host, 2, 10);
  const std::size_t poison = 13;
  std::atomic<int> poison_sends{0};
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    if (file_of(rq, 20) == poison) {
      ++poison_sends;
      rs.status = 400;
      return std::string(
          "<html><body><h1>Error</h1>\n<p>unable to read DICOM object series2_IM3.dcm</p>"
          "</body></html>");
    }
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_PARTIAL);
  CHECK(poison_sends == 1);  // not retried
  CHECK(host.http_requests().size() == 20);
  CHECK(host.report_calls() == 20);  // one report per file
  const auto& bad = host.file_results().at(poison);
  CHECK(bad.outcome == XC_FATAL);
  CHECK(bad.status == 400);
  CHECK(bad.attempts == 1u);
  CHECK(bad.message == "HTTP 400: Error unable to read DICOM object series2_IM3.dcm");
  for (const auto& [index, r] : host.file_results())
    if (index != poison) CHECK(r.outcome == XC_OK);
}

TEST_CASE("a rejected first object hands the scan to its next file", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 4;
  add_files(host, 1, 6);
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    if (file_of(rq, 6) == 0) {
      rs.status = 403;
      return std::string("Forbidden");
    }
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_PARTIAL);
  CHECK(host.file_results().at(0).outcome == XC_FATAL);
  CHECK(host.file_results().at(0).message == "HTTP 403: Forbidden");
  for (std::size_t i = 1; i < 6; ++i) CHECK(host.file_results().at(i).outcome == XC_OK);
}

TEST_CASE("the import race 400 is re-sent with the host's import-400 retry", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 2;
  add_files(host, 1, 5);
  std::atomic<int> raced{0};
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    if (file_of(rq, 5) == 3 && raced++ == 0) {
      rs.status = 400;
      return std::string("Concurrent file sends of the same data is not supported.");
    }
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  std::vector<Exchange> of3;
  for (const auto& rq : host.http_requests())
    if (file_of(rq, 5) == 3) of3.push_back(rq);
  REQUIRE(of3.size() == 2);
  CHECK(of3[0].flags == 0u);
  CHECK(of3[1].flags == XC_HTTP_RETRY_IMPORT_400);
  CHECK(of3[1].body == content_of(3));  // rewound, sent whole again
  CHECK(of3[1].path == of3[0].path);
  const auto& r = host.file_results().at(3);
  CHECK(r.outcome == XC_OK);
  CHECK(r.attempts == 2u);
  CHECK(host.progress_bytes() == [] {
    std::uint64_t b = 0;
    for (std::size_t i = 0; i < 5; ++i) b += content_of(i).size();
    return b;
  }());
}

TEST_CASE("a file still failing after the host's retries gets two more rounds", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 3;
  add_files(host, 2, 6);
  std::atomic<int> sends_of_4{0}, sends_of_9{0};
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    const std::size_t f = file_of(rq, 12);
    if (f == 4) {  // down for good
      ++sends_of_4;
      rs.status = 503;
      return std::string("Service Unavailable");
    }
    if (f == 9 && sends_of_9++ == 0) {  // down once
      rs.status = 500;
      return std::string("Internal Server Error");
    }
    return ok(rs);
  });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_PARTIAL);
  CHECK(sends_of_4 == 3);
  CHECK(sends_of_9 == 2);
  CHECK(host.report_calls() == 12);  // the failures before the last round were not reported
  const auto& down = host.file_results().at(4);
  CHECK(down.outcome == XC_RETRY);
  CHECK(down.status == 503);
  CHECK(down.attempts == 3u);
  CHECK(down.message == "HTTP 503: Service Unavailable");
  CHECK(host.file_results().at(9).outcome == XC_OK);
  CHECK(host.file_results().at(9).attempts == 2u);
  CHECK(host.waits() == std::vector<uint32_t>{1000, 2000});  // a pause before each round
}

TEST_CASE("cancelling during the pause before a round stops there", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 2;
  add_files(host, 1, 4);
  std::atomic<int> sends{0};
  host.on_http([&](const Exchange& rq, xc_http_response& rs) {
    ++sends;
    if (file_of(rq, 4) == 3) {
      host.set_cancelled(true);  // the user presses Ctrl-C while the server is failing
      rs.status = 502;
      return std::string("Bad Gateway");
    }
    return ok(rs);
  });
  CHECK(host.upload(plugin.descriptor(), "rest_gradual") == XC_CANCELLED);
  CHECK(sends <= 4);  // a send that starts after the Ctrl-C is refused by the host
  CHECK(host.waits().size() <= 1);
  CHECK(host.file_results().count(3) == 0);  // never reported: it counts as not sent
}

TEST_CASE("a server that stops answering stops the job, leaving the rest for --resume",
          "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 2;
  add_files(host, 1, 40);
  host.on_http([&](const Exchange&, xc_http_response& rs) {
    rs.status = 503;
    return std::string("Service Unavailable");
  });
  CHECK(host.upload(plugin.descriptor(), "rest_gradual") == XC_RETRY);
  CHECK(host.last_error().find("--resume") != std::string::npos);
  CHECK(host.http_requests().size() <= 6);  // threshold 4, plus what was in flight
  CHECK(!host.file_results().empty());
  for (const auto& [index, r] : host.file_results()) CHECK(r.outcome == XC_RETRY);
  CHECK(host.open_bodies() == 0);
}

TEST_CASE("cancellation stops the workers promptly", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().workers = 4;
  add_files(host, 2, 50);
  std::atomic<int> answered{0};
  host.on_http([&](const Exchange&, xc_http_response& rs) {
    if (++answered == 5) host.set_cancelled(true);
    return ok(rs);
  });
  CHECK(host.upload(plugin.descriptor(), "rest_gradual") == XC_CANCELLED);
  CHECK(answered <= 8);  // the ones in flight when it happened, at most one per worker
  std::size_t stored = 0;
  for (const auto& [index, r] : host.file_results()) stored += r.outcome == XC_OK;
  CHECK(stored <= 8);
  CHECK(host.file_results().size() < 100);
  CHECK(host.open_bodies() == 0);
}

TEST_CASE("an upload cancelled before it starts sends nothing", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  add_files(host, 1, 5);
  host.set_cancelled(true);
  host.on_http([&](const Exchange&, xc_http_response& rs) { return ok(rs); });
  CHECK(host.upload(plugin.descriptor(), "rest_gradual") == XC_CANCELLED);
  CHECK(host.http_requests().empty());
}

TEST_CASE("the dry run prints the plan and contacts no server", "[plugin]") {
  PluginLibrary plugin(REST_GRADUAL_PLUGIN);
  FakeHost host;
  host.job_info().flags = XC_JOB_DRY_RUN;
  host.job_info().workers = 16;
  add_files(host, 3, 4);
  host.on_http([&](const Exchange&, xc_http_response& rs) { return ok(rs); });
  REQUIRE(host.upload(plugin.descriptor(), "rest_gradual") == XC_OK);
  CHECK(host.http_requests().empty());
  const std::string& out = host.printed_stdout();
  CHECK(out.find("12 file(s)") != std::string::npos);
  CHECK(out.find("in 3 scan(s)") != std::string::npos);
  CHECK(out.find("12 worker(s)") != std::string::npos);  // no more workers than files
  CHECK(out.find("POST /data/services/import/<object name>?import-handler=gradual-DICOM"
                 "&PROJECT_ID=PROJECT&SUBJECT_ID=SUBJECT&EXPT_LABEL=SESSION"
                 "&Direct-Archive=true&overwrite=delete") != std::string::npos);
  CHECK(out.find("scan 2: 4 file(s)") != std::string::npos);
  CHECK(out.find("series1/IM0.dcm -> series1_IM0.dcm") != std::string::npos);
  CHECK(host.file_results().empty());
}
