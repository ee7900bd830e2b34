// The dry run: what upload() would do, printed, with no socket opened.
#pragma once

#include <string>

#include "plan.hpp"
#include "settings.hpp"
#include "xnatctl/sdk.hpp"

namespace cstore {

std::string describe_plan(const Settings& settings, const xc::Job& job, const Plan& plan);

}  // namespace cstore
