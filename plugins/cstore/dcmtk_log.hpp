// DCMTK's network and codec loggers, routed to the host's log at debug level while the plugin
// is initialised: quiet by default, shown with -v. The host's own DCMTK settings (dcmdata, used
// by its header probe) are left alone.
#pragma once

#include "xnatctl/sdk.hpp"

namespace cstore {

class DcmtkLogRoute {
 public:
  explicit DcmtkLogRoute(const xc::Host& host);
  // Detaches the appender: it holds the host handle, which dies with the plugin's shutdown().
  ~DcmtkLogRoute();
  DcmtkLogRoute(const DcmtkLogRoute&) = delete;
  DcmtkLogRoute& operator=(const DcmtkLogRoute&) = delete;
};

}  // namespace cstore
