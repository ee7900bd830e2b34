#pragma once

// Options whose value may be left out on the command line (OptionSpec::implicit_value, from
// sdk.h's xc_option_desc.implicit_value): `--wait` alone, `--wait=30`, `--wait 30`.
//
// Boost.Program_options (1.74) with implicit_value() takes the next word as the value
// whenever it does not start with '-', so `prearchive archive --wait PROJECT TS FOLDER` would
// read PROJECT as the seconds and lose a positional. So before Boost sees the arguments,
// each such option given bare (`--name`, or its `-x`) is spelled out as `--name=VALUE`:
// VALUE is the next word when the option is an integer option and that word is an integer,
// else the implicit value. `--name=VALUE`, `-xVALUE` and everything after `--` are left
// alone. A string option therefore takes a value only as `--name=VALUE`.

#include <string>
#include <vector>

#include "cli/command_spec.hpp"

namespace xnatctl::host {

std::vector<std::string> spell_out_implicit_values(const CommandSpec& spec,
                                                   const std::vector<std::string>& args);

}  // namespace xnatctl::host
