# Our own code builds with -Wall -Wextra and no warnings; third-party headers are SYSTEM.
function(xnatctl_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
endfunction()
