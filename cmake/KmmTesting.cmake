# SPDX-License-Identifier: MIT
#
# Test registration helpers shared by KmmTests.cmake and KmmFuzz.cmake.
#
#   kmm_add_test(NAME n COMMAND cmd... [LABELS l...] [MEMCHECK] [TIMEOUT s])
#       A plain test. MEMCHECK: run under valgrind when KMM_MEMCHECK_TESTS.
#   kmm_add_input_test(NAME n COMMAND cmd... INPUTS path... [LABELS ..] [MEMCHECK])
#       Runs cmd with the INPUTS that exist at test time (files, directories,
#       or globs). Corpora grow after configure, so the filtering happens when
#       the test runs (cmake/kmm_run_inputs.cmake). No input at all: the test
#       reports itself skipped rather than passing on nothing.
#   kmm_add_detect_test(NAME n REGEX r COMMAND cmd... [LABELS ..] [MEMCHECK])
#       The command must FAIL (non-zero exit) AND print something matching r:
#       proof that a tool (ASan, memcheck) detects what it should.
#
# Every test gets KMM_SOURCE_DIR in its environment and strict sanitizer options.

set(KMM_TEST_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}")

if(KMM_MEMCHECK_TESTS)
	find_program(KMM_VALGRIND_EXE valgrind)
	if(NOT KMM_VALGRIND_EXE)
		message(FATAL_ERROR "KMM_MEMCHECK_TESTS=ON (the 'valgrind' preset) needs valgrind in PATH "
			"(Debian: apt-get install valgrind)")
	endif()
	if(KMM_SANITIZE_LIST)
		message(FATAL_ERROR "KMM_MEMCHECK_TESTS cannot be combined with sanitizers (KMM_SANITIZE=${KMM_SANITIZE})")
	endif()
endif()
set(KMM_MEMCHECK_COMMAND "${KMM_VALGRIND_EXE}" --tool=memcheck -q --error-exitcode=99
	--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
	--track-origins=no --num-callers=30)

set(KMM_TEST_ENV
	"KMM_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
	"ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
	"UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
	"TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")

# Wrap cmd in valgrind when this build runs tests under memcheck.
function(_kmm_memcheck_wrap out memcheck)
	set(cmd ${ARGN})
	if(memcheck AND KMM_MEMCHECK_TESTS)
		set(cmd ${KMM_MEMCHECK_COMMAND} ${cmd})
	endif()
	set(${out} ${cmd} PARENT_SCOPE)
endfunction()

function(_kmm_finish_test name labels timeout memcheck)
	if(memcheck AND KMM_MEMCHECK_TESTS)
		list(APPEND labels memcheck)
		if(NOT timeout)
			set(timeout 900)
		endif()
	endif()
	if(NOT timeout)
		set(timeout 300)
	endif()
	set_tests_properties(${name} PROPERTIES
		ENVIRONMENT "${KMM_TEST_ENV}"
		LABELS "${labels}"
		TIMEOUT ${timeout})
endfunction()

function(kmm_add_test)
	cmake_parse_arguments(PARSE_ARGV 0 T "MEMCHECK" "NAME;TIMEOUT" "COMMAND;LABELS")
	_kmm_memcheck_wrap(cmd "${T_MEMCHECK}" ${T_COMMAND})
	add_test(NAME ${T_NAME} COMMAND ${cmd} WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
	_kmm_finish_test(${T_NAME} "${T_LABELS}" "${T_TIMEOUT}" "${T_MEMCHECK}")
endfunction()

function(kmm_add_input_test)
	cmake_parse_arguments(PARSE_ARGV 0 T "MEMCHECK" "NAME;TIMEOUT" "COMMAND;INPUTS;LABELS")
	_kmm_memcheck_wrap(cmd "${T_MEMCHECK}" ${T_COMMAND})
	add_test(NAME ${T_NAME}
		COMMAND "${CMAKE_COMMAND}" -P "${KMM_TEST_SCRIPTS}/kmm_run_inputs.cmake"
			-- ${cmd} --kmm-inputs ${T_INPUTS}
		WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
	_kmm_finish_test(${T_NAME} "${T_LABELS}" "${T_TIMEOUT}" "${T_MEMCHECK}")
	set_tests_properties(${T_NAME} PROPERTIES SKIP_REGULAR_EXPRESSION "KMM-SKIP:")
endfunction()

function(kmm_add_detect_test)
	cmake_parse_arguments(PARSE_ARGV 0 T "MEMCHECK" "NAME;TIMEOUT;REGEX" "COMMAND;LABELS")
	_kmm_memcheck_wrap(cmd "${T_MEMCHECK}" ${T_COMMAND})
	add_test(NAME ${T_NAME}
		COMMAND "${CMAKE_COMMAND}" "-DKMM_EXPECT_REGEX=${T_REGEX}"
			-P "${KMM_TEST_SCRIPTS}/kmm_expect_detect.cmake" -- ${cmd}
		WORKING_DIRECTORY "${CMAKE_BINARY_DIR}")
	_kmm_finish_test(${T_NAME} "${T_LABELS}" "${T_TIMEOUT}" "${T_MEMCHECK}")
endfunction()
