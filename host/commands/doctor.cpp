// `doctor`: for the active profile, how the server is reached and whether it works: the
// first thing support asks for. Every line is decided by the same code the other commands
// use (auth::plan_network, auth::connect), so what doctor says is what they do.

#include <ostream>

#include "cli/command_registry.hpp"
#include "commands/builtin_command_support.hpp"
#include "xnatctl/auth/whoami.hpp"
#include "xnatctl/error.hpp"
#include "xnatctl/output/records.hpp"
#include "xnatctl/xnat/server_info.hpp"

namespace xnatctl::host {
namespace {

std::string describe_route(const auth::NetworkPlan& plan) {
  if (!plan.route.proxy) return plan.route.reason;
  return "proxy " + plan.route.proxy->redacted() + " (from " + plan.route.reason + ")" +
         (plan.scheme == "https" ? ", HTTPS tunnelled with CONNECT" : "");
}

std::string describe_tls(const auth::NetworkPlan& plan) {
  if (plan.scheme != "https") return "none (plain http)";
  if (!plan.tls.verify) return "OFF (verify_ssl: false): certificates are not checked";
  return "verified, host name checked; trusts " + plan.tls.ca_source;
}

int run_doctor(ParsedCommand& invocation) {
  auto connection = auth::connect(connect_options(invocation));
  const auto& profile = connection.profile;
  const auto& plan = connection.network;
  output::Record record{
      {"profile", profile.name},
      {"url", profile.url},
      {"route", describe_route(plan)},
      {"tls", describe_tls(plan)},
      {"context_path", plan.context_path.empty() ? "/ (none)" : plan.context_path}};
  int exit_code = 0;
  std::string failure;
  try {
    auto user = auth::whoami(*connection.client);
    record.push_back(
        {"login", user ? "ok, as " + *user : "ok, but the server did not confirm the user name"});
    auto version = xnat::server_version(*connection.client);
    record.push_back({"xnat_version", version.value_or("unknown (the server did not say)")});
    auto direct = version ? xnat::supports_direct_archive(*version) : std::nullopt;
    record.push_back({"direct_archive", !direct   ? "unknown"
                                        : *direct ? "available (XNAT 1.8.3 or later)"
                                                  : "not available (needs XNAT 1.8.3 or later)"});
  } catch (const Error& e) {
    failure = e.what();
    exit_code = static_cast<int>(e.code());
    record.push_back({"login", std::string("FAILED: ") + e.what()});
  }
  output::print_record(invocation.out(), output_format(invocation, connection.config_file.config()),
                       {{"profile", "Profile"},
                        {"url", "Server"},
                        {"route", "Route"},
                        {"tls", "TLS"},
                        {"context_path", "Context path"},
                        {"login", "Login"},
                        {"xnat_version", "XNAT version"},
                        {"direct_archive", "Direct archive"}},
                       record, "url");
  if (exit_code != 0) invocation.err() << "error: " << failure << '\n';
  return exit_code;
}

}  // namespace

void register_doctor_command(CommandRegistry& registry) {
  CommandSpec spec;
  spec.path = "doctor";
  spec.summary = "Check how the current profile reaches its server, and that it works";
  spec.description =
      "Shows the route (proxy or direct, and why), TLS verification and its CA source, the "
      "context path, then logs in and reports the user, the server's XNAT version and whether "
      "direct archive is available. Secrets (passwords, proxy credentials) are never shown.";
  spec.examples = {"xnatctl doctor", "xnatctl doctor -p production -o json"};
  spec.run = run_doctor;
  registry.add(std::move(spec));
}

}  // namespace xnatctl::host
