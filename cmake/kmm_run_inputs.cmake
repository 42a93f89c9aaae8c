# SPDX-License-Identifier: MIT
#
# cmake -P kmm_run_inputs.cmake -- <command> [args...] --kmm-inputs <path|glob>...
#
# Runs <command> [args...] followed by the inputs that exist now. A directory
# counts when it holds at least one non-hidden file; a glob is expanded. Used
# by ctest to replay corpora that grow after configure time. With no input at
# all it prints "KMM-SKIP: ..." (the test's SKIP_REGULAR_EXPRESSION) instead
# of pretending to pass. The command's exit status decides the test.

cmake_minimum_required(VERSION 3.25)

set(cmd "")
set(inputs "")
set(state "")
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
	set(a "${CMAKE_ARGV${i}}")
	if(state STREQUAL "" AND a STREQUAL "--")
		set(state in_cmd)
	elseif(state STREQUAL "in_cmd" AND a STREQUAL "--kmm-inputs")
		set(state in_inputs)
	elseif(state STREQUAL "in_cmd")
		list(APPEND cmd "${a}")
	elseif(state STREQUAL "in_inputs")
		list(APPEND inputs "${a}")
	endif()
endforeach()
if(NOT cmd)
	message(FATAL_ERROR "usage: cmake -P kmm_run_inputs.cmake -- <command...> --kmm-inputs <paths...>")
endif()

set(found "")
foreach(p IN LISTS inputs)
	if(p MATCHES "[*?]")
		file(GLOB matches LIST_DIRECTORIES false "${p}")
		list(SORT matches)
		list(APPEND found ${matches})
	elseif(IS_DIRECTORY "${p}")
		file(GLOB entries LIST_DIRECTORIES false "${p}/*")
		set(any OFF)
		foreach(e IN LISTS entries)
			get_filename_component(n "${e}" NAME)
			if(NOT n MATCHES "^\\.")
				set(any ON)
				break()
			endif()
		endforeach()
		if(any)
			list(APPEND found "${p}")
		endif()
	elseif(EXISTS "${p}")
		list(APPEND found "${p}")
	endif()
endforeach()

if(NOT found)
	list(JOIN inputs " " shown)
	message("KMM-SKIP: no inputs yet in: ${shown}")
	return()
endif()

list(JOIN cmd " " shown_cmd)
list(LENGTH found n)
message("kmm_run_inputs: ${shown_cmd} (${n} path(s))")
execute_process(COMMAND ${cmd} ${found} RESULT_VARIABLE rc)
if(NOT rc STREQUAL "0")
	message(FATAL_ERROR "kmm_run_inputs: command failed (exit ${rc})")
endif()
