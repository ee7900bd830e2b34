// The progress display of a real `--gradual` upload (host/commands/upload_output.cpp): on a
// terminal, made with util-linux `script` (a pseudo-terminal whose size the command sets with
// `stty`), and piped. Only what was drawn is checked, never how often or how fast.

#include <cstdio>
#include <iterator>
#include <regex>

#include "gradual_cli_support.hpp"

using namespace gradual_cli;

namespace {

std::string shell_quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The transcript of `setup; exec xnatctl args` run by `script` on a new pseudo-terminal.
RunResult run_on_terminal(const TempDir& home, const std::string& url, const std::string& setup,
                          const std::vector<std::string>& args) {
  std::string command = setup + "; exec " + shell_quoted(XNATCTL_BINARY);
  for (const auto& a : args) command += " " + shell_quoted(a);
  ChildOptions options = client_env(home, url);
  options.extra_env["SHELL"] = "/bin/sh";
  options.extra_env["COLUMNS"] = "";
  return xnatctl::test_support::run_process("script", {"-qec", command, "/dev/null"},
                                            std::chrono::seconds(150), options);
}

// The size as the summary and the bar print it: decimal units, one decimal above bytes.
std::string decimal_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(units)) value /= 1000, ++unit;
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string without_escapes(const std::string& text) {
  static const std::regex csi("\x1b\\[[0-9;?]*[A-Za-z]");
  return std::regex_replace(text, csi, "");
}

// What each redraw put on the screen: the text after a carriage return that does not end a
// line (the terminal turns "\n" into "\r\n"), escapes removed.
std::vector<std::string> redraws(const std::string& transcript) {
  std::vector<std::string> out;
  for (std::size_t pos = transcript.find('\r'); pos != std::string::npos;
       pos = transcript.find('\r', pos + 1)) {
    if (pos + 1 < transcript.size() && transcript[pos + 1] == '\n') continue;
    const std::size_t end = transcript.find_first_of("\r\n", pos + 1);
    out.push_back(without_escapes(transcript.substr(pos + 1, end - pos - 1)));
  }
  return out;
}

struct Shown {
  std::vector<std::string> bars;  // redraws of the progress bar
  std::string final_line;         // the line ending just before the summary
};

Shown shown(const std::string& transcript, const std::string& summary_start) {
  Shown s;
  for (auto& r : redraws(transcript))
    if (r.find(" files") != std::string::npos && r.find("scanning") == std::string::npos)
      s.bars.push_back(r);
  const std::size_t summary = transcript.find(summary_start);
  REQUIRE(summary != std::string::npos);
  REQUIRE(summary >= 2);
  // The bar ended with a newline: the summary starts a line of its own.
  REQUIRE(transcript.compare(summary - 2, 2, "\r\n") == 0);
  const std::size_t line = transcript.rfind('\r', summary - 3);
  s.final_line = without_escapes(transcript.substr(line + 1, summary - 2 - line - 1));
  return s;
}

}  // namespace

TEST_CASE(
    "on a terminal the bar is redrawn in place and fits the width and ends its line, and piped "
    "there is a line per 100 files",
    "[cli][emulator][tty]") {
  // A little latency so the upload lasts long enough for the bar to be drawn more than once;
  // nothing below depends on how often it was.
  EmulatorFixture emulator(emulator_options({"--project", "P1", "--fault-latency-ms", "5"}));
  TempDir home, work;
  const std::string url = emulator.base_url();
  const fs::path dicom = generate(work, "dicom", 3, 50);  // 150 files
  auto args = [&](const std::string& label) {
    return std::vector<std::string>{"session", "upload",    dicom.string(), "-P",
                                    "P1",      "-S",        "S1",           "-E",
                                    label,     "--gradual", "--workers",    "2"};
  };
  std::uint64_t total_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dicom))
    if (e.is_regular_file()) total_bytes += e.file_size();

  for (const std::size_t columns : {std::size_t{50}, std::size_t{120}}) {
    INFO("stty cols " << columns);
    const std::string label = "TTY" + std::to_string(columns);
    const RunResult r = run_on_terminal(
        home, url, "stty cols " + std::to_string(columns) + " rows 24", args(label));
    INFO(r.stdout_text << r.stderr_text);
    REQUIRE(r.exit_status == 0);
    const Shown s = shown(r.stdout_text, "Session P1/S1/" + label + ": 150 of 150 files stored");
    REQUIRE_FALSE(s.bars.empty());
    for (const auto& bar : s.bars) {
      INFO(bar);
      CHECK(bar.size() < columns);  // never into the last column, never wrapped
    }
    // The final state stays visible: every file and every byte.
    CHECK(s.final_line.find("150/150 files") != std::string::npos);
    CHECK(s.final_line.find("/" + decimal_bytes(total_bytes)) != std::string::npos);
    // Piped lines never appear on a terminal.
    CHECK(r.stdout_text.find("sent 100/150 files") == std::string::npos);
  }

  // A terminal that reports no size: $COLUMNS decides.
  {
    const RunResult r =
        run_on_terminal(home, url, "stty cols 0 rows 0; export COLUMNS=40", args("TTYENV"));
    INFO(r.stdout_text << r.stderr_text);
    REQUIRE(r.exit_status == 0);
    const Shown s = shown(r.stdout_text, "Session P1/S1/TTYENV: 150 of 150 files stored");
    REQUIRE_FALSE(s.bars.empty());
    for (const auto& bar : s.bars) {
      INFO(bar);
      CHECK(bar.size() < 40);
    }
    CHECK(s.final_line.find("150/150 files") != std::string::npos);
  }

  // Piped: no carriage returns, one line every 100 files and one for the last.
  const RunResult piped = run_xnatctl(home, url, args("PIPED"));
  INFO(piped.stdout_text << piped.stderr_text);
  REQUIRE(piped.exit_status == 0);
  CHECK(piped.stdout_text.find('\r') == std::string::npos);
  CHECK(piped.stderr_text.find('\r') == std::string::npos);
  CHECK(piped.stdout_text.find("sent 100/150 files\nsent 150/150 files\n") != std::string::npos);
  CHECK(count_lines_with(piped.stdout_text, "sent ") == 2);
}
