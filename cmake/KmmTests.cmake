# SPDX-License-Identifier: MIT
#
# Unit tests and the tool-driven replays.
#
#   tests/test_<name>.c  -> executable test_<name>, ctest test test_<name>
#                           (argv[1] = source dir, env KMM_SOURCE_DIR), label unit
#   tests/*.c (others)   -> kmm_testsupport, linked into every test (helpers such
#                           as a deliberately faulty page target)
#   test_poison          -> also "touch-free-page" must be DETECTED: by ASan
#                           (use-after-poison) in sanitizer builds, by memcheck
#                           (Invalid write) in the valgrind build.
#
# kmm_register_tool_tests() runs after tools/ is added: seed traces and
# tests/regressions/*.trace through `kmm replay`, and the seeds encoded to
# binary for the corpus replays.

file(GLOB KMM_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/test_*.c")
file(GLOB KMM_TEST_SUPPORT_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/tests/*.c")
list(FILTER KMM_TEST_SUPPORT_SOURCES EXCLUDE REGEX "/test_[^/]*\\.c$")

if(KMM_TEST_SUPPORT_SOURCES)
	add_library(kmm_testsupport STATIC ${KMM_TEST_SUPPORT_SOURCES})
	target_link_libraries(kmm_testsupport PUBLIC kmm_harness Threads::Threads)
	target_compile_definitions(kmm_testsupport PRIVATE _GNU_SOURCE)
	kmm_target_warnings(kmm_testsupport)
endif()

foreach(src IN LISTS KMM_TEST_SOURCES)
	get_filename_component(name "${src}" NAME_WE)
	add_executable(${name} "${src}")
	if(TARGET kmm_testsupport)
		target_link_libraries(${name} PRIVATE kmm_testsupport)
	endif()
	target_link_libraries(${name} PRIVATE kmm_harness Threads::Threads)
	target_compile_definitions(${name} PRIVATE _GNU_SOURCE)
	kmm_target_warnings(${name})

	set(memcheck MEMCHECK)
	if(name MATCHES "${KMM_MEMCHECK_SKIP}")
		set(memcheck "")
	endif()
	kmm_add_test(NAME ${name} LABELS unit ${memcheck}
		COMMAND $<TARGET_FILE:${name}> "${CMAKE_SOURCE_DIR}")
endforeach()

# The poisoning proofs: a write into a freed page must be reported.
if(TARGET test_poison)
	if(KMM_ASAN)
		kmm_add_detect_test(NAME poison_asan_detects_touch LABELS poison
			REGEX "use-after-poison"
			COMMAND $<TARGET_FILE:test_poison> touch-free-page)
	endif()
	if(KMM_MEMCHECK_TESTS)
		if(NOT KMM_VALGRIND)
			message(WARNING "KMM_MEMCHECK_TESTS without KMM_VALGRIND: libkmm has no client requests, "
				"memcheck cannot see free pages; poison_memcheck_detects_touch not registered")
		else()
			kmm_add_detect_test(NAME poison_memcheck_detects_touch LABELS poison MEMCHECK
				REGEX "Invalid write"
				COMMAND $<TARGET_FILE:test_poison> touch-free-page)
		endif()
	endif()
endif()

function(kmm_register_tool_tests)
	if(NOT TARGET kmm)
		message(STATUS "kmm tool not built (tools/ missing): trace replay tests not registered")
		return()
	endif()
	set(src "${CMAKE_SOURCE_DIR}")
	foreach(name IN LISTS KMM_FUZZ_TARGETS)
		string(REGEX REPLACE "^fuzz_" "" t "${name}")
		# The seeds are programs: run each through the executor.
		kmm_add_input_test(NAME kmm_replay_seeds_${t} LABELS corpus MEMCHECK
			COMMAND $<TARGET_FILE:kmm> replay
			INPUTS "${src}/corpus/seeds/${name}")
		if(name IN_LIST KMM_FUZZ_TEXT_TARGETS)
			continue()
		endif()
		# ... and, encoded to binary in the build tree, through the fuzz
		# target's own binaries (fixture for the corpus replays).
		add_test(NAME kmm_encode_seeds_${t}
			COMMAND "${CMAKE_COMMAND}" "-DKMM_TOOL=$<TARGET_FILE:kmm>" "-DKIND=${t}"
				"-DSEEDS=${src}/corpus/seeds/${name}"
				"-DOUT=${CMAKE_BINARY_DIR}/seed-corpus/${name}"
				-P "${KMM_TEST_SCRIPTS}/kmm_encode_seeds.cmake")
		set_tests_properties(kmm_encode_seeds_${t} PROPERTIES
			FIXTURES_SETUP seeds_${t} LABELS corpus TIMEOUT 120)
		foreach(user replay_${t}_corpus libfuzzer_${t}_corpus afl_${t}_corpus)
			if(TEST ${user})
				set_tests_properties(${user} PROPERTIES FIXTURES_REQUIRED seeds_${t})
			endif()
		endforeach()
	endforeach()
	kmm_add_input_test(NAME kmm_replay_regressions LABELS regression MEMCHECK
		COMMAND $<TARGET_FILE:kmm> replay
		INPUTS "${src}/tests/regressions/*.trace")
endfunction()
