// xnat-gen-session: writes a deterministic synthetic DICOM session (see session_generator.hpp).
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "session_generator.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  xnatctl::emulator::SessionSpec spec;
  std::string out, xfer = "explicit";
  po::options_description opts("xnat-gen-session options");
  opts.add_options()("help,h", "show this help")(
      "out", po::value(&out)->required(), "output directory (DIR/study<k>/series<s>/IM<n>.dcm)")(
      "studies", po::value(&spec.studies)->default_value(1), "number of studies")(
      "series", po::value(&spec.series)->default_value(3), "series per study")(
      "slices", po::value(&spec.slices)->default_value(200), "slices per series")(
      "rows", po::value(&spec.rows)->default_value(512), "image rows")(
      "cols", po::value(&spec.cols)->default_value(512), "image columns")(
      "seed", po::value(&spec.seed)->default_value(1), "seed for UIDs and pixels")(
      "project", po::value(&spec.project), "write 'Project: P' into PatientComments")(
      "subject", po::value(&spec.subject), "subject label (PatientName and 'Subject: S')")(
      "session", po::value(&spec.session), "session label (PatientID and 'Session: E')")(
      "modality", po::value(&spec.modality)->default_value("MR"), "MR or CT")(
      "transfer-syntax", po::value(&xfer)->default_value("explicit"),
      "explicit or implicit (VR LE)")("quiet,q", "print nothing on success");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    if (vm.count("help")) {
      std::cout << opts << "\n";
      return 0;
    }
    po::notify(vm);
    if (xfer != "explicit" && xfer != "implicit")
      throw po::error("--transfer-syntax must be explicit or implicit");
  } catch (const po::error& e) {
    std::cerr << "error: " << e.what() << "\n" << opts << "\n";
    return 2;
  }
  spec.out_dir = out;
  spec.implicit_vr = xfer == "implicit";
  try {
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = xnatctl::emulator::generate_session(spec);
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    if (!vm.count("quiet")) {
      std::printf("wrote %zu files, %.1f MB in %.2f s to %s\n", result.files,
                  static_cast<double>(result.bytes) / 1e6, dt.count(), out.c_str());
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
