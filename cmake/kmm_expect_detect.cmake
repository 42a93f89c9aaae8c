# SPDX-License-Identifier: MIT
#
# cmake -DKMM_EXPECT_REGEX=<regex> -P kmm_expect_detect.cmake -- <command> [args...]
#
# A must-detect test: passes only when <command> exits non-zero AND its output
# matches <regex>. Proves that a checker (ASan poisoning, valgrind memcheck)
# catches a deliberate bug; if the bug goes unnoticed the test fails, and a
# crash for another reason does not count either.

cmake_minimum_required(VERSION 3.25)

set(cmd "")
set(seen OFF)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
	if(seen)
		list(APPEND cmd "${CMAKE_ARGV${i}}")
	elseif(CMAKE_ARGV${i} STREQUAL "--")
		set(seen ON)
	endif()
endforeach()
if(NOT cmd OR NOT DEFINED KMM_EXPECT_REGEX)
	message(FATAL_ERROR "usage: cmake -DKMM_EXPECT_REGEX=<re> -P kmm_expect_detect.cmake -- <command...>")
endif()

execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
if(rc STREQUAL "0")
	message(FATAL_ERROR "expected a detection ('${KMM_EXPECT_REGEX}') but the command exited 0: NOT DETECTED")
endif()
if(NOT out MATCHES "${KMM_EXPECT_REGEX}")
	message(FATAL_ERROR "command failed (exit ${rc}) but its output does not match '${KMM_EXPECT_REGEX}'")
endif()
message("detected as expected ('${KMM_EXPECT_REGEX}', exit ${rc})")
