// DicomReceiver against DICOM peers nobody on the team wrote: DCMTK's echoscu, storescu and
// dcmsend (run as processes, bounded by `timeout`), with real files from Debian's pydicom
// package and from our generator.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/scu.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "dicom_receiver.hpp"
#include "session_generator.hpp"
#include "xnatctl/dicom/header_probe.hpp"

namespace fs = std::filesystem;
using namespace xnatctl::emulator;

namespace {

const fs::path kPydicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> n{0};
    path = fs::temp_directory_path() /
           ("xnat-scp-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs a DICOM tool with Nagle off (toolchain.md §2.5), bounded to 30 s; output goes to `log`.
int run_tool(const std::string& cmd, const fs::path& log) {
  const std::string full =
      "TCP_NODELAY=1 timeout -k 2 30 " + cmd + " > '" + log.string() + "' 2>&1 < /dev/null";
  const int rc = std::system(full.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Collects what the receiver hands over; files are moved out of the spool into `keep`.
struct Recorder {
  fs::path keep;
  StoreOutcome outcome;
  bool throw_instead = false;
  std::mutex mu;
  std::vector<ReceivedObject> objects;

  ObjectHandler handler() {
    return [this](const ReceivedObject& o) {
      std::lock_guard<std::mutex> lock(mu);
      if (throw_instead) throw std::runtime_error("handler exploded");
      ReceivedObject kept = o;
      kept.file = keep / (std::to_string(objects.size() + 1) + ".dcm");
      fs::create_directories(keep);
      fs::rename(o.file, kept.file);
      objects.push_back(kept);
      return outcome;
    };
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return objects.size();
  }
};

ReceiverOptions options_in(const TempDir& tmp) {
  ReceiverOptions o;
  o.spool_dir = tmp.path / "spool";
  return o;
}

std::string peer(std::uint16_t port, const std::string& aec = "XNAT") {
  return "-aec " + aec + " -aet TESTSCU 127.0.0.1 " + std::to_string(port);
}

// Raw dataset bytes of a Part-10 file (everything after the meta header).
std::string dataset_bytes(const fs::path& file) {
  const std::string b = slurp(file);
  REQUIRE(b.size() > 144);
  REQUIRE(b.compare(128, 4, "DICM") == 0);
  REQUIRE(b.compare(132, 6, std::string("\x02\x00\x00\x00UL", 6)) == 0);
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + 140);
  const std::size_t group_length = p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24);
  return b.substr(144 + group_length);
}

std::string meta_transfer_syntax(const fs::path& file) {
  auto a = xnatctl::dicom::probe_file(file);
  REQUIRE(a.has_value());
  return a->transfer_syntax_uid;
}

// The dataset re-encoded canonically (explicit lengths, no group lengths or padding) in the
// given transfer syntax. SCUs re-encode what they send (DCMTK drops trailing padding and
// switches sequences to explicit length), so this is "identical in dataset terms".
std::string canonical(const fs::path& file, const std::string& ts_uid) {
  DcmFileFormat ff;
  REQUIRE(ff.loadFile(file.c_str()).good());
  DcmDataset* ds = ff.getDataset();
  delete ds->remove(DCM_DataSetTrailingPadding);
  REQUIRE(ds->loadAllDataIntoMemory().good());
  TempDir tmp;
  const fs::path out = tmp.path / "canonical.bin";
  const OFCondition cond = ds->saveFile(out.c_str(), DcmXfer(ts_uid.c_str()).getXfer(),
                                        EET_ExplicitLength, EGL_withoutGL, EPD_withoutPadding);
  INFO(cond.text());
  REQUIRE(cond.good());
  return slurp(out);
}

std::string sop_instance(const fs::path& file) {
  auto a = xnatctl::dicom::probe_file(file);
  REQUIRE(a.has_value());
  return a->sop_instance_uid;
}

}  // namespace

TEST_CASE("echoscu gets C-ECHO and a wrong called AE title is rejected", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();
  REQUIRE(port != 0);
  const fs::path log = tmp.path / "tool.log";

  CHECK(run_tool("echoscu " + peer(port), log) == 0);

  CHECK(run_tool("echoscu " + peer(port, "NOT_XNAT"), log) != 0);
  CHECK_THAT(slurp(log), Catch::Contains("Called AE Title Not Recognized"));

  CHECK(run_tool("storescu " + peer(port, "XNAT2") + " " + (kPydicom / "MR_small.dcm").string(),
                 log) != 0);
  CHECK(rec.count() == 0);
}

TEST_CASE("storescu: generator files arrive byte-identical with sender details", "[scp]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "session";
  spec.series = 2;
  spec.slices = 5;
  spec.rows = spec.cols = 128;
  generate_session(spec);

  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();
  const fs::path log = tmp.path / "tool.log";
  REQUIRE(run_tool("storescu " + peer(port) + " +sd +r " + spec.out_dir.string(), log) == 0);
  REQUIRE(rec.count() == 10);

  std::map<std::string, fs::path> originals;
  for (const auto& e : fs::recursive_directory_iterator(spec.out_dir))
    if (e.is_regular_file()) originals[sop_instance(e.path())] = e.path();
  std::set<std::string> seen;
  for (const auto& o : rec.objects) {
    INFO(o.file.string());
    CHECK(o.calling_aet == "TESTSCU");
    CHECK(o.called_aet == "XNAT");
    CHECK(o.peer_address == "127.0.0.1");
    CHECK(o.transfer_syntax_uid == "1.2.840.10008.1.2.1");
    CHECK(meta_transfer_syntax(o.file) == o.transfer_syntax_uid);
    const std::string uid = sop_instance(o.file);
    REQUIRE(originals.count(uid) == 1);
    seen.insert(uid);
    CHECK(dataset_bytes(o.file) == dataset_bytes(originals[uid]));
  }
  CHECK(seen.size() == 10);
  CHECK(fs::is_empty(tmp.path / "spool"));  // the handler took every file
}

TEST_CASE("dcmsend: compressed and odd-endian pydicom files arrive as sent", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();
  const fs::path log = tmp.path / "tool.log";

  // file -> transfer syntax it must arrive in. dcmsend proposes compressed files in their own
  // syntax (we have no codec, so this proves no transcoding happened on either side) and
  // uncompressed ones as explicit LE first, which we accept as proposed.
  const std::vector<std::pair<std::string, std::string>> files = {
      {"MR_small_RLE.dcm", "1.2.840.10008.1.2.5"},
      {"MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90"},
      {"MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"},
      {"JPEG-lossy.dcm", "1.2.840.10008.1.2.4.51"},
      {"SC_rgb_jpeg_gdcm.dcm", "1.2.840.10008.1.2.4.70"},
      {"MR_small_implicit.dcm", "1.2.840.10008.1.2.1"},
      {"MR_small_bigendian.dcm", "1.2.840.10008.1.2.1"},
  };
  std::string args;
  for (const auto& f : files) args += " " + (kPydicom / f.first).string();
  REQUIRE(run_tool("dcmsend " + peer(port) + args, log) == 0);
  REQUIRE(rec.count() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& o = rec.objects[i];  // dcmsend sends in argument order, one association
    const fs::path original = kPydicom / files[i].first;
    INFO(files[i].first);
    CHECK(o.transfer_syntax_uid == files[i].second);
    CHECK(meta_transfer_syntax(o.file) == files[i].second);
    CHECK(sop_instance(o.file) == sop_instance(original));
    CHECK(canonical(o.file, files[i].second) == canonical(original, files[i].second));
  }
}

TEST_CASE("storescu -xi / -xb: implicit VR and big endian are kept when proposed", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();
  const fs::path log = tmp.path / "tool.log";
  const fs::path implicit = kPydicom / "MR_small_implicit.dcm";
  const fs::path big = kPydicom / "MR_small_bigendian.dcm";
  REQUIRE(run_tool("storescu -xi " + peer(port) + " " + implicit.string(), log) == 0);
  REQUIRE(run_tool("storescu -xb " + peer(port) + " " + big.string(), log) == 0);
  REQUIRE(rec.count() == 2);
  CHECK(rec.objects[0].transfer_syntax_uid == "1.2.840.10008.1.2");
  CHECK(rec.objects[1].transfer_syntax_uid == "1.2.840.10008.1.2.2");
  CHECK(dataset_bytes(rec.objects[0].file) == dataset_bytes(implicit));
  CHECK(canonical(rec.objects[1].file, "1.2.840.10008.1.2.2") ==
        canonical(big, "1.2.840.10008.1.2.2"));
}

TEST_CASE("the handler's outcome becomes the C-STORE response status", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();
  const fs::path log = tmp.path / "tool.log";
  const std::string file = (kPydicom / "MR_small.dcm").string();

  SECTION("0xC000 cannot understand, with error comment") {
    rec.outcome = {0xC000, "unable to read DICOM object MR_small.dcm"};
    const fs::path report = tmp.path / "report.txt";
    CHECK(run_tool("dcmsend " + peer(port) + " " + file + " +crf " + report.string(), log) == 0);
    const std::string r = slurp(report);
    CHECK_THAT(r, Catch::Contains("0xc000 (Error: CannotUnderstand)"));
    CHECK_THAT(r, Catch::Contains("* with status ERROR    : 1"));
    CHECK(run_tool("storescu -d " + peer(port) + " " + file, log) != 0);
    CHECK_THAT(slurp(log), Catch::Contains("[unable to read DICOM object MR_small.dcm]"));
  }
  SECTION("0xA700 out of resources") {
    rec.outcome = {0xA700, "disk full"};
    CHECK(run_tool("storescu -d " + peer(port) + " " + file, log) != 0);
    CHECK_THAT(slurp(log), Catch::Contains("0xa700"));
    CHECK_THAT(slurp(log), Catch::Contains("[disk full]"));
  }
  SECTION("a throwing handler answers 0xA700 with the exception text") {
    rec.throw_instead = true;
    CHECK(run_tool("storescu -d " + peer(port) + " " + file, log) != 0);
    CHECK_THAT(slurp(log), Catch::Contains("0xa700"));
    CHECK_THAT(slurp(log), Catch::Contains("[handler exploded]"));
  }
  SECTION("success") {
    CHECK(run_tool("storescu " + peer(port) + " " + file, log) == 0);
    CHECK(rec.count() == 1);
  }
}

TEST_CASE("abort_after_objects aborts each association after N objects", "[scp]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "session";
  spec.series = 1;
  spec.slices = 5;
  spec.rows = spec.cols = 32;
  generate_session(spec);
  Recorder rec;
  rec.keep = tmp.path / "keep";
  ReceiverOptions opts = options_in(tmp);
  const fs::path log = tmp.path / "tool.log";
  const std::string dir = (spec.out_dir / "study1/series1").string();

  SECTION("N = 2: two objects per association, then A-ABORT") {
    opts.abort_after_objects = 2;
    DicomReceiver receiver(opts, rec.handler());
    const auto port = receiver.start();
    CHECK(run_tool("storescu " + peer(port) + " +sd " + dir, log) != 0);
    CHECK(rec.count() == 2);
    CHECK(run_tool("storescu " + peer(port) + " +sd " + dir, log) != 0);
    CHECK(rec.count() == 4);  // counted per association
  }
  SECTION("N = 0: aborted right after being accepted") {
    opts.abort_after_objects = 0;
    DicomReceiver receiver(opts, rec.handler());
    const auto port = receiver.start();
    run_tool("echoscu -v " + peer(port), log);  // echoscu 3.6.7 exits 0 even then
    CHECK_THAT(slurp(log), Catch::Contains("Peer Aborted Association"));
    CHECK(run_tool("storescu " + peer(port) + " +sd " + dir, log) != 0);
    CHECK(rec.count() == 0);
  }
}

TEST_CASE("several associations are served concurrently", "[scp]") {
  TempDir tmp;
  SessionSpec spec;
  spec.out_dir = tmp.path / "session";
  spec.series = 4;
  spec.slices = 10;
  spec.rows = spec.cols = 64;
  generate_session(spec);
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();

  std::vector<int> rcs(4, -1);
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      const auto dir = spec.out_dir / "study1" / ("series" + std::to_string(s + 1));
      rcs[static_cast<std::size_t>(s)] = run_tool("dcmsend " + peer(port) + " +sd " + dir.string(),
                                                  tmp.path / ("send" + std::to_string(s) + ".log"));
    });
  }
  for (auto& t : senders) t.join();
  CHECK(rcs == std::vector<int>(4, 0));
  REQUIRE(rec.count() == 40);
  std::set<std::string> uids;
  for (const auto& o : rec.objects) uids.insert(sop_instance(o.file));
  CHECK(uids.size() == 40);
}

TEST_CASE("ports: 0 picks a free one, a taken port is an error, stop is final", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver a(options_in(tmp), rec.handler());
  const auto port_a = a.start();
  DicomReceiver b(options_in(tmp), rec.handler());
  const auto port_b = b.start();
  CHECK(port_a != port_b);

  ReceiverOptions clash = options_in(tmp);
  clash.port = port_a;
  DicomReceiver c(clash, rec.handler());
  CHECK_THROWS_WITH(c.start(), Catch::Contains("cannot listen"));

  const fs::path log = tmp.path / "tool.log";
  b.stop();
  b.stop();  // idempotent
  CHECK(run_tool("echoscu " + peer(port_b), log) != 0);
  CHECK(run_tool("echoscu " + peer(port_a), log) == 0);
}

TEST_CASE("stop() ends an association whose peer sits idle", "[scp]") {
  TempDir tmp;
  Recorder rec;
  rec.keep = tmp.path / "keep";
  DicomReceiver receiver(options_in(tmp), rec.handler());
  const auto port = receiver.start();

  // An SCU that negotiates, echoes once and then just holds the association open.
  DcmSCU scu;
  scu.setAETitle("IDLE");
  scu.setPeerAETitle("XNAT");
  scu.setPeerHostName("127.0.0.1");
  scu.setPeerPort(port);
  scu.setACSETimeout(5);
  scu.setDIMSETimeout(5);
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  OFList<OFString> ts;
  ts.push_back(UID_LittleEndianExplicitTransferSyntax);
  REQUIRE(scu.addPresentationContext(UID_VerificationSOPClass, ts).good());
  REQUIRE(scu.initNetwork().good());
  REQUIRE(scu.negotiateAssociation().good());
  REQUIRE(scu.sendECHORequest(0).good());

  receiver.stop();  // must return although the peer never releases (ctest bounds the test)
  CHECK(scu.sendECHORequest(0).bad());
}
