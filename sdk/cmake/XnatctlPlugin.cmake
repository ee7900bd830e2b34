# xnatctl_add_plugin(ID <id> SOURCES <files...> [LIBS <targets...>])
#
# Builds <id>.so (plugin id = file stem, which is how the host can refuse a disabled plugin
# without opening it), with hidden visibility and a version script exporting only
# `xc_plugin_entry`. Plugins resolve every symbol at link time (--no-undefined) and link
# Poco/DCMTK only as the system's shared libraries.
set(XNATCTL_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/xnatctl_plugin.map")

function(xnatctl_add_plugin)
  cmake_parse_arguments(P "" "ID;OUTPUT_DIRECTORY" "SOURCES;LIBS" ${ARGN})
  if(NOT P_ID)
    message(FATAL_ERROR "xnatctl_add_plugin: ID is required")
  endif()
  if(NOT P_OUTPUT_DIRECTORY)
    set(P_OUTPUT_DIRECTORY "${XNATCTL_BUILD_PLUGIN_DIR}")
  endif()
  add_library(${P_ID} MODULE ${P_SOURCES})
  set_target_properties(${P_ID} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${P_ID}"
    LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIRECTORY}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${XNATCTL_PLUGIN_MAP}")
  target_link_libraries(${P_ID} PRIVATE xnatctl::sdk ${P_LIBS})
  target_link_options(${P_ID} PRIVATE
    "LINKER:--version-script=${XNATCTL_PLUGIN_MAP}" "LINKER:--no-undefined")
  if(COMMAND xnatctl_target_warnings)
    xnatctl_target_warnings(${P_ID})
  endif()
  if(XNATCTL_PLUGIN_INSTALL_SUBDIR)
    install(TARGETS ${P_ID} LIBRARY DESTINATION "${XNATCTL_PLUGIN_INSTALL_SUBDIR}")
  endif()
endfunction()
