# One INTERFACE target carries the warning flags; only our own targets link it.
add_library(floodgate_warnings INTERFACE)
add_library(floodgate::warnings ALIAS floodgate_warnings)
target_compile_options(floodgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  $<$<BOOL:${FLOODGATE_WERROR}>:-Werror>)

if(FLOODGATE_SANITIZE)
  target_compile_options(floodgate_warnings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(floodgate_warnings INTERFACE -fsanitize=address,undefined)
endif()

# FLOODGATE_FUZZ: every library gets libFuzzer's coverage instrumentation plus ASan and UBSan;
# the fuzz targets themselves link -fsanitize=fuzzer (tests/fuzz/). Clang only.
if(FLOODGATE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FLOODGATE_FUZZ needs clang (scripts/fuzz uses clang++-14)")
  endif()
  # -fno-sanitize=function: clang 14 cannot emit UBSan's function-type check for C++20
  # coroutines ("Cannot represent a difference across sections"); the providers and the
  # runtime are coroutines, and that check only concerns calls through mistyped C pointers.
  target_compile_options(floodgate_warnings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(floodgate_warnings INTERFACE -fsanitize=address,undefined)
endif()

# floodgate_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares floodgate_<name> with the alias floodgate::<name>, public headers in include/.
function(floodgate_module name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(floodgate_${name} ${arg_SOURCES})
  add_library(floodgate::${name} ALIAS floodgate_${name})
  target_include_directories(floodgate_${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(floodgate_${name} PUBLIC ${arg_PUBLIC_DEPS} PRIVATE ${arg_PRIVATE_DEPS}
    floodgate::warnings)
  set_property(GLOBAL APPEND PROPERTY FLOODGATE_MODULES floodgate_${name})
endfunction()

# GCC 12 reports -Wmaybe-uninitialized inside nlohmann_json 3.11.2's iterators (a false positive
# of its inliner on json values built from initializer lists). Targets that use nlohmann_json
# link this instead of silencing the warning everywhere.
add_library(floodgate_json_quirks INTERFACE)
target_link_libraries(floodgate_json_quirks INTERFACE nlohmann_json::nlohmann_json)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(floodgate_json_quirks INTERFACE -Wno-maybe-uninitialized)
endif()
