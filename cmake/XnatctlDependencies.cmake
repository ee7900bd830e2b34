# Every dependency comes from Debian 12 packages (scripts/install-deps.sh installs them).
# Poco and DCMTK are linked as the system's shared libraries so the host and every plugin
# share one copy of their process-wide state (SSL context, DICOM dictionary).
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(Poco REQUIRED COMPONENTS Foundation Net NetSSL Crypto Zip JSON Util XML Data DataSQLite)
find_package(DCMTK REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED)
find_package(LibArchive REQUIRED)
# zlib deflates zip bodies entry by entry; libdeflate gives them a CRC-32 several times
# faster than zlib's (core/src/upload/zip_stream_writer.hpp says why it matters).
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(Threads REQUIRED)
if(XNATCTL_BUILD_TESTS)
  find_package(Catch2 REQUIRED)
  include(Catch)
endif()

# yaml-cpp 0.7 (Debian 12) names its target `yaml-cpp`; 0.8 renames it `yaml-cpp::yaml-cpp`.
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp INTERFACE IMPORTED)
  target_link_libraries(yaml-cpp::yaml-cpp INTERFACE yaml-cpp)
endif()
