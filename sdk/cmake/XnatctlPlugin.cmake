# xnatctl_add_plugin(ID <id> SOURCES <files...> [LIBS <targets...>] [DEFINITIONS <defs...>]
#                    [TARGET <cmake target>] [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds <id>.so (plugin id = file stem, which is how the host can refuse a disabled plugin
# without opening it), with hidden visibility and a version script exporting only
# `xc_plugin_entry`. Plugins resolve every symbol at link time (--no-undefined) and link
# Poco/DCMTK only as the system's shared libraries.
set(XNATCTL_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/xnatctl_plugin.map")

function(xnatctl_add_plugin)
  cmake_parse_arguments(P "NO_INSTALL" "ID;TARGET;OUTPUT_DIRECTORY" "SOURCES;LIBS;DEFINITIONS" ${ARGN})
  if(NOT P_ID)
    message(FATAL_ERROR "xnatctl_add_plugin: ID is required")
  endif()
  # TARGET lets several test fixtures share one id (e.g. duplicate-id tests) under
  # different CMake target names.
  if(NOT P_TARGET)
    set(P_TARGET ${P_ID})
  endif()
  if(NOT P_OUTPUT_DIRECTORY)
    set(P_OUTPUT_DIRECTORY "${XNATCTL_BUILD_PLUGIN_DIR}")
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  set_target_properties(${P_TARGET} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${P_ID}"
    LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIRECTORY}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${XNATCTL_PLUGIN_MAP}")
  target_link_libraries(${P_TARGET} PRIVATE xnatctl::sdk ${P_LIBS})
  target_compile_definitions(${P_TARGET} PRIVATE ${P_DEFINITIONS})
  target_link_options(${P_TARGET} PRIVATE
    "LINKER:--version-script=${XNATCTL_PLUGIN_MAP}" "LINKER:--no-undefined")
  if(COMMAND xnatctl_target_warnings)
    xnatctl_target_warnings(${P_TARGET})
  endif()
  if(XNATCTL_PLUGIN_INSTALL_SUBDIR AND NOT P_NO_INSTALL)
    install(TARGETS ${P_TARGET} LIBRARY DESTINATION "${XNATCTL_PLUGIN_INSTALL_SUBDIR}")
  endif()
endfunction()
