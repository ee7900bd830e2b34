#include "cli_options.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <stdexcept>

#include "storage.hpp"

namespace xnatctl::emulator {
namespace po = boost::program_options;

UserAccount parse_user(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0)
    throw std::runtime_error("--user wants NAME:PASSWORD, got '" + spec + "'");
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

ProjectConfig parse_project(const std::string& spec) {
  ProjectConfig p;
  auto colon = spec.find(':');
  p.id = spec.substr(0, colon);
  if (colon != std::string::npos) p.prearchive_code = std::stoi(spec.substr(colon + 1));
  if (p.id.empty()) throw std::runtime_error("--project wants ID[:CODE], got '" + spec + "'");
  if (!is_xnat_id(p.id))
    throw std::runtime_error("--project " + p.id +
                             ": a project ID holds only letters, digits, '_' and '-'");
  if (p.prearchive_code != 0 && p.prearchive_code != 4 && p.prearchive_code != 5)
    throw std::runtime_error(
        "prearchive code must be 0 (manual), 4 (auto-archive) or 5 "
        "(auto-archive-overwrite), got " +
        std::to_string(p.prearchive_code));
  return p;
}

namespace {

// users: ["name:password" | {name, password}], projects: ["ID[:CODE]" | {id, prearchive_code}]
void load_yaml(const std::string& file, EmulatorConfig& cfg) {
  const YAML::Node root = YAML::LoadFile(file);
  if (const auto users = root["users"]) {
    for (const auto& u : users) {
      if (u.IsScalar())
        cfg.users.push_back(parse_user(u.as<std::string>()));
      else
        cfg.users.push_back({u["name"].as<std::string>(), u["password"].as<std::string>()});
    }
  }
  if (const auto projects = root["projects"]) {
    for (const auto& p : projects) {
      if (p.IsScalar())
        cfg.projects.push_back(parse_project(p.as<std::string>()));
      else
        cfg.projects.push_back(parse_project(p["id"].as<std::string>() + ":" +
                                             std::to_string(p["prearchive_code"].as<int>(0))));
    }
  }
}

}  // namespace

std::optional<EmulatorConfig> parse_command_line(int argc, char** argv) {
  EmulatorConfig cfg;
  std::vector<std::string> users, projects;
  std::string config_file;
  po::options_description opts("xnat-emulator: an XNAT look-alike for tests and offline use");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help")
    ("data", po::value<std::string>()->required(), "storage root (prearchive/, archive/, tmp/)")
    ("bind", po::value(&cfg.bind_address)->default_value("127.0.0.1"), "address to listen on")
    ("port", po::value(&cfg.port)->default_value(8080), "HTTP(S) port; 0 = a free port")
    ("port-file", po::value<std::string>(), "write http=PORT (and dicom=PORT) here once serving")
    ("user", po::value(&users), "NAME:PASSWORD (repeatable); default admin:admin")
    ("project", po::value(&projects), "ID[:CODE] (repeatable); CODE 0 manual, 4 auto-archive, 5 auto-archive-overwrite")
    ("config", po::value(&config_file), "YAML file with users: and projects: lists")
    ("session-timeout", po::value(&cfg.session_timeout_seconds)->default_value(900), "HTTP session idle timeout, seconds")
    ("build-idle", po::value(&cfg.build_idle_seconds)->default_value(300), "seconds a RECEIVING session must be idle before it is built")
    ("build-tick", po::value(&cfg.build_tick_seconds)->default_value(60), "seconds between idle-builder passes")
    ("max-runtime", po::value(&cfg.max_runtime_seconds)->default_value(0), "exit after this many seconds (0 = never)")
    ("sink", po::bool_switch(&cfg.sink), "parse and count uploads but store no files")
    ("skip-zip-crc", po::bool_switch(&cfg.skip_zip_crc), "do not check zip entries' CRC-32 (benchmarks: see README)")
    ("rewrite-header", po::bool_switch(&cfg.rewrite_header), "store DICOM objects re-written as XNAT does (new file meta, re-encoded header), not as sent")
    ("reset-data", po::bool_switch(&cfg.reset_data), "wipe prearchive/ and archive/ under --data at start")
    ("tls-cert", po::value<std::string>(), "PEM certificate: serve HTTPS")
    ("tls-key", po::value<std::string>(), "PEM private key for --tls-cert")
    ("context-path", po::value(&cfg.context_path), "serve under this path, e.g. /xnat (XNAT deployed as xnat.war)")
    ("dicom-port", po::value<int>(), "start the DICOM C-STORE receiver on this port (0 = free port)")
    ("dicom-aet", po::value(&cfg.dicom_aet)->default_value("XNAT"), "AE title of the DICOM receiver")
    ("http-threads", po::value(&cfg.http_threads)->default_value(32), "max concurrent HTTP connections")
    ("header-timeout", po::value(&cfg.header_timeout_seconds)->default_value(10), "seconds a connection may take to send a request head")
    ("max-extract-bytes", po::value(&cfg.max_extract_bytes)->default_value(std::int64_t{4} << 30), "resource extract=true: most bytes one archive may unpack to")
    ("max-extract-ratio", po::value(&cfg.max_extract_ratio)->default_value(200), "resource extract=true: most unpacked/received bytes past 64 MiB")
    ("verbose,v", po::bool_switch(&cfg.verbose), "log every request and every new HTTP session to stderr")
    ("fault-import-400", po::value(&cfg.faults.import_400_first_n)->default_value(0), "answer the first N imports with the transient 400 'Concurrent file sends' error")
    ("fault-5xx-rate", po::value(&cfg.faults.rate_5xx)->default_value(0.0), "answer this fraction of requests with a random 500/502/503")
    ("fault-seed", po::value(&cfg.faults.seed)->default_value(1), "seed for --fault-5xx-rate")
    ("fault-reset-after-bytes", po::value(&cfg.faults.reset_after_bytes)->default_value(-1), "reset the connection after N bytes of a request body")
    ("fault-reset-times", po::value(&cfg.faults.reset_times)->default_value(1), "how many request bodies get reset (0 = every one)")
    ("fault-latency-ms", po::value(&cfg.faults.latency_ms)->default_value(0), "delay every request by MS milliseconds")
    ("fault-scp-abort-after", po::value(&cfg.faults.scp_abort_after)->default_value(-1), "DICOM receiver aborts each association after N objects")
    ("fault-404", po::value(&cfg.faults.not_found_paths), "answer 404 for this path, e.g. /xapi/users/username (repeatable)")
    ("fault-redirect", po::value(&cfg.faults.redirect_base), "answer every request with 302 to this base URL + the request URI");
  // clang-format on
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  cfg.data_dir = vm["data"].as<std::string>();
  if (vm.count("port-file")) cfg.port_file = vm["port-file"].as<std::string>();
  if (vm.count("tls-cert") != vm.count("tls-key"))
    throw std::runtime_error("--tls-cert and --tls-key go together");
  if (vm.count("tls-cert")) {
    cfg.tls_cert = vm["tls-cert"].as<std::string>();
    cfg.tls_key = vm["tls-key"].as<std::string>();
  }
  while (!cfg.context_path.empty() && cfg.context_path.back() == '/') cfg.context_path.pop_back();
  if (!cfg.context_path.empty() && cfg.context_path.front() != '/')
    throw std::runtime_error("--context-path must start with '/', got '" + cfg.context_path + "'");
  if (vm.count("dicom-port")) cfg.dicom_port = vm["dicom-port"].as<int>();
  if (!config_file.empty()) load_yaml(config_file, cfg);
  for (const auto& u : users) cfg.users.push_back(parse_user(u));
  for (const auto& p : projects) cfg.projects.push_back(parse_project(p));
  if (cfg.users.empty()) cfg.users.push_back({"admin", "admin"});
  if (cfg.faults.rate_5xx < 0 || cfg.faults.rate_5xx > 1)
    throw std::runtime_error("--fault-5xx-rate must be within 0..1");
  // Out-of-range numbers are usage errors, never wrapped into some other port or duration.
  auto port_in_range = [](int port, const char* name) {
    if (port < 0 || port > 65535)
      throw std::runtime_error(std::string(name) + " must be within 0..65535, got " +
                               std::to_string(port));
  };
  port_in_range(cfg.port, "--port");
  if (cfg.dicom_port) port_in_range(*cfg.dicom_port, "--dicom-port");
  auto positive = [](double value, const char* name) {
    if (!(value > 0)) throw std::runtime_error(std::string(name) + " must be positive");
  };
  positive(cfg.session_timeout_seconds, "--session-timeout");
  positive(cfg.build_tick_seconds, "--build-tick");
  positive(cfg.header_timeout_seconds, "--header-timeout");
  positive(cfg.http_threads, "--http-threads");
  positive(cfg.max_extract_ratio, "--max-extract-ratio");
  positive(static_cast<double>(cfg.max_extract_bytes), "--max-extract-bytes");
  if (cfg.build_idle_seconds < 0) throw std::runtime_error("--build-idle must not be negative");
  if (cfg.max_runtime_seconds < 0) throw std::runtime_error("--max-runtime must not be negative");
  for (const auto& path : cfg.faults.not_found_paths)
    if (path.empty() || path.front() != '/')
      throw std::runtime_error("--fault-404 takes a path starting with '/', got '" + path + "'");
  if (cfg.faults.redirect_base.find_first_of("\r\n") != std::string::npos)
    throw std::runtime_error("--fault-redirect must not contain line breaks");
  if (cfg.faults.latency_ms < 0)
    throw std::runtime_error("--fault-latency-ms must not be negative");
  return cfg;
}

}  // namespace xnatctl::emulator
