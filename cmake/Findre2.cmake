# Findre2: Debian 12's libre2-dev ships a pkg-config file but no CMake package, so
# `find_package(re2)` finds it through pkg-config and provides the imported target re2::re2.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PC_RE2 QUIET IMPORTED_TARGET re2)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(re2 REQUIRED_VARS PC_RE2_FOUND VERSION_VAR PC_RE2_VERSION)
if(re2_FOUND AND NOT TARGET re2::re2)
  add_library(re2::re2 INTERFACE IMPORTED)
  target_link_libraries(re2::re2 INTERFACE PkgConfig::PC_RE2)
endif()
