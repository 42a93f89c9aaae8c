# SPDX-License-Identifier: MIT
#
# Compiler flags, always target-scoped.
#
#   kmm_target_warnings(<target> [RELAXED])
#       The project's warning set (PRIVATE), -Werror when KMM_WERROR.
#       RELAXED drops the declaration-style warnings for code that is not
#       part of the library (kept for tools/bench written elsewhere).
#   kmm_apply_instrumentation(<target>)
#       Sanitizer and fuzzer-coverage flags as PUBLIC usage requirements:
#       compile and link options travel to every target that links it, so a
#       whole build is instrumented the same way without global flags.
#   kmm_adopt_directory_targets(<dir>)
#       Give every target defined in <dir> the warning set (RELAXED) unless the
#       target already asked for it; used for tools/ and bench/.

# ---- warnings ------------------------------------------------------------------

# Warnings every file in the tree must pass (gcc 12 and clang 14).
set(KMM_WARNINGS_BASE
	-Wall -Wextra -Wpedantic -Wshadow
	-Wformat=2 -Wvla -Wpointer-arith -Wundef -Wcast-align
	-Wstrict-prototypes -Wold-style-definition -Wmissing-prototypes
	-Wwrite-strings -Wnull-dereference -Wdouble-promotion
	-Wimplicit-fallthrough -Wredundant-decls -Wnested-externs)
# Dropped for RELAXED targets (code written outside the library's rules).
set(KMM_WARNINGS_STRICT_ONLY
	-Wmissing-prototypes -Wredundant-decls -Wnested-externs -Wdouble-promotion
	-Wnull-dereference -Wcast-align -Wundef)

function(kmm_target_warnings target)
	cmake_parse_arguments(PARSE_ARGV 1 ARG "RELAXED" "" "")
	get_target_property(type ${target} TYPE)
	if(type STREQUAL "INTERFACE_LIBRARY")
		return()
	endif()
	set(flags ${KMM_WARNINGS_BASE})
	if(ARG_RELAXED)
		list(REMOVE_ITEM flags ${KMM_WARNINGS_STRICT_ONLY})
	endif()
	if(KMM_WERROR)
		list(APPEND flags -Werror)
	endif()
	target_compile_options(${target} PRIVATE ${flags})
	set_target_properties(${target} PROPERTIES KMM_WARNINGS_SET ON)
endfunction()

function(kmm_adopt_directory_targets dir)
	get_property(targets DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${dir}" PROPERTY BUILDSYSTEM_TARGETS)
	foreach(t IN LISTS targets)
		get_target_property(type ${t} TYPE)
		if(type STREQUAL "EXECUTABLE" OR type MATCHES "_LIBRARY$")
			get_target_property(done ${t} KMM_WARNINGS_SET)
			if(NOT done)
				kmm_target_warnings(${t} RELAXED)
			endif()
		endif()
	endforeach()
endfunction()

# ---- sanitizers and fuzzer coverage ---------------------------------------------

string(REPLACE " " "" KMM_SANITIZE "${KMM_SANITIZE}")
set(KMM_SANITIZE_LIST "")
if(NOT KMM_SANITIZE STREQUAL "none" AND NOT KMM_SANITIZE STREQUAL "")
	string(REPLACE "," ";" KMM_SANITIZE_LIST "${KMM_SANITIZE}")
endif()
foreach(s IN LISTS KMM_SANITIZE_LIST)
	if(NOT s MATCHES "^(address|undefined|thread)$")
		message(FATAL_ERROR "KMM_SANITIZE: unknown sanitizer '${s}' "
			"(use none, address, undefined, address,undefined or thread)")
	endif()
endforeach()
if("thread" IN_LIST KMM_SANITIZE_LIST AND "address" IN_LIST KMM_SANITIZE_LIST)
	message(FATAL_ERROR "KMM_SANITIZE: thread and address cannot be combined")
endif()
set(KMM_ASAN OFF)
if("address" IN_LIST KMM_SANITIZE_LIST)
	set(KMM_ASAN ON)
endif()

if(NOT KMM_FUZZ_ENGINE MATCHES "^(none|libfuzzer|afl)$")
	message(FATAL_ERROR "KMM_FUZZ_ENGINE must be none, libfuzzer or afl (got '${KMM_FUZZ_ENGINE}')")
endif()
if(KMM_FUZZ_ENGINE STREQUAL "libfuzzer" AND NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
	message(FATAL_ERROR "KMM_FUZZ_ENGINE=libfuzzer needs clang (-fsanitize=fuzzer); "
		"configure with CC=clang or use the 'fuzz' preset (compiler: ${CMAKE_C_COMPILER})")
endif()
if(KMM_FUZZ_ENGINE STREQUAL "afl")
	get_filename_component(_cc_name "${CMAKE_C_COMPILER}" NAME)
	if(NOT _cc_name MATCHES "^afl-")
		message(FATAL_ERROR "KMM_FUZZ_ENGINE=afl needs an AFL++ compiler (afl-clang-fast); "
			"got ${CMAKE_C_COMPILER}. Use the 'afl' preset or CC=afl-clang-fast.")
	endif()
	find_program(KMM_AFL_FUZZ afl-fuzz)
	if(NOT KMM_AFL_FUZZ)
		message(FATAL_ERROR "KMM_FUZZ_ENGINE=afl: afl-fuzz not found (install afl++)")
	endif()
endif()
if(KMM_FUZZ_ENGINE STREQUAL "afl" OR KMM_FUZZ_ENGINE STREQUAL "libfuzzer")
	set(KMM_FUZZING ON)
else()
	set(KMM_FUZZING OFF)
endif()

# Fail at configure time, with the package to install, rather than at link time.
include(CheckCSourceCompiles)
function(_kmm_require_flags var flags source hint)
	set(CMAKE_REQUIRED_FLAGS "${flags}")
	set(CMAKE_REQUIRED_LINK_OPTIONS ${flags})
	set(CMAKE_REQUIRED_QUIET ON)
	check_c_source_compiles("${source}" ${var})
	if(NOT ${var})
		message(FATAL_ERROR "${CMAKE_C_COMPILER} cannot build with ${flags}. ${hint}")
	endif()
endfunction()
if(KMM_SANITIZE_LIST)
	list(JOIN KMM_SANITIZE_LIST "," _s)
	string(MAKE_C_IDENTIFIER "${_s}" _id)
	_kmm_require_flags(KMM_HAVE_SANITIZE_${_id} "-fsanitize=${_s}"
		"int main(void) { return 0; }"
		"Install the sanitizer runtime (Debian: gcc's libasan8/libubsan1/libtsan2, or libclang-rt-14-dev for clang).")
endif()
if(KMM_FUZZ_ENGINE STREQUAL "libfuzzer")
	_kmm_require_flags(KMM_HAVE_LIBFUZZER "-fsanitize=fuzzer"
		"#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n"
		"libFuzzer is missing (Debian: apt-get install libclang-rt-14-dev).")
endif()

function(kmm_apply_instrumentation target)
	set(copts "")
	set(lopts "")
	if(KMM_SANITIZE_LIST)
		list(JOIN KMM_SANITIZE_LIST "," s)
		list(APPEND copts -fsanitize=${s} -fno-omit-frame-pointer)
		list(APPEND lopts -fsanitize=${s})
		if("undefined" IN_LIST KMM_SANITIZE_LIST OR "address" IN_LIST KMM_SANITIZE_LIST)
			# A finding must fail the run, never scroll past.
			list(APPEND copts -fno-sanitize-recover=all)
			list(APPEND lopts -fno-sanitize-recover=all)
		endif()
	endif()
	if(KMM_FUZZ_ENGINE STREQUAL "libfuzzer")
		# Coverage for the fuzzer in every object; fuzz_<t> adds -fsanitize=fuzzer.
		list(APPEND copts -fsanitize=fuzzer-no-link)
		list(APPEND lopts -fsanitize=fuzzer-no-link)
	endif()
	if(KMM_FUZZING)
		# The OSS-Fuzz convention: code may relax behaviour that hurts fuzzing.
		target_compile_definitions(${target} PUBLIC FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
	endif()
	if(KMM_ASAN)
		target_compile_definitions(${target} PUBLIC KMM_ASAN=1)
	endif()
	if(copts)
		target_compile_options(${target} PUBLIC ${copts})
		target_link_options(${target} PUBLIC ${lopts})
	endif()
endfunction()
