# SPDX-License-Identifier: MIT
#
# Fuzz targets: one source per target (fuzz/fuzz_<t>.c, an
# LLVMFuzzerTestOneInput), three ways to run it:
#
#   fuzz_<t>    KMM_FUZZ_ENGINE=libfuzzer: clang -fsanitize=fuzzer
#               KMM_FUZZ_ENGINE=afl:       afl-clang-fast -fsanitize=fuzzer, which
#                                          links AFL++'s libAFLDriver (persistent,
#                                          shared-memory test cases)
#   replay_<t>  always: fuzz/replay_main.c, a plain main() that runs files and
#               directories (and --random N generated inputs) through the same
#               function; any compiler, runs under valgrind.
#
# Corpus layout (docs/building.md): corpus/fuzz_<t>/ holds binary inputs (what
# the engines write), corpus/seeds/fuzz_<t>/*.trace the readable seeds,
# tests/regressions/*.trace the regression traces.

file(GLOB KMM_FUZZ_SOURCES CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_*.c")
set(KMM_FUZZ_TARGETS "")
set(KMM_FUZZ_DRIVER "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/replay_main.c")

# Text-input targets read traces, binary ones read encoded programs.
set(KMM_FUZZ_TEXT_TARGETS fuzz_trace_parser)

foreach(src IN LISTS KMM_FUZZ_SOURCES)
	get_filename_component(name "${src}" NAME_WE)          # fuzz_pages
	string(REGEX REPLACE "^fuzz_" "" t "${name}")          # pages
	list(APPEND KMM_FUZZ_TARGETS ${name})

	if(EXISTS "${KMM_FUZZ_DRIVER}")
		add_executable(replay_${t} "${src}" "${KMM_FUZZ_DRIVER}")
		target_link_libraries(replay_${t} PRIVATE kmm_harness)
		kmm_target_warnings(replay_${t})
	endif()

	if(KMM_FUZZING)
		add_executable(${name} "${src}")
		target_link_libraries(${name} PRIVATE kmm_harness)
		target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
		target_link_options(${name} PRIVATE -fsanitize=fuzzer)
		kmm_target_warnings(${name})
	endif()
endforeach()
set(KMM_FUZZ_TARGETS "${KMM_FUZZ_TARGETS}" CACHE INTERNAL "fuzz targets (fuzz/fuzz_*.c)")

if(NOT KMM_BUILD_TESTS)
	return()
endif()

set(_src "${CMAKE_CURRENT_SOURCE_DIR}")
foreach(name IN LISTS KMM_FUZZ_TARGETS)
	string(REGEX REPLACE "^fuzz_" "" t "${name}")
	if(name IN_LIST KMM_FUZZ_TEXT_TARGETS)
		# The parser eats text: its own corpus, every seed trace, every regression.
		set(dirs "${_src}/corpus/${name}" "${_src}/tests/regressions")
		foreach(other IN LISTS KMM_FUZZ_TARGETS)
			list(APPEND dirs "${_src}/corpus/seeds/${other}")
		endforeach()
		set(files "${_src}/corpus/${name}" "${_src}/corpus/seeds/*/*.trace"
			"${_src}/tests/regressions/*.trace")
	else()
		# Binary programs: the committed corpus and the seeds encoded at test time.
		set(dirs "${_src}/corpus/${name}" "${CMAKE_BINARY_DIR}/seed-corpus/${name}")
		set(files ${dirs})
	endif()

	if(TARGET replay_${t})
		kmm_add_input_test(NAME replay_${t}_corpus LABELS corpus MEMCHECK
			COMMAND $<TARGET_FILE:replay_${t}> INPUTS ${files})
		# Every byte string is a valid program, so generated inputs are a real
		# test even before any corpus exists. Fewer under memcheck (20x slower).
		if(KMM_MEMCHECK_TESTS)
			set(n 40)
		else()
			set(n 300)
		endif()
		kmm_add_test(NAME replay_${t}_random LABELS corpus MEMCHECK
			COMMAND $<TARGET_FILE:replay_${t}> --random ${n} --seed 1)
	endif()

	# Inputs that fail only after another input ran in the same process
	# (state carried across runs, as under a fuzzer): the files of
	# tests/regressions/sequence/<target>/ replayed in name order, one process.
	file(GLOB seq "${_src}/tests/regressions/sequence/${name}/*")
	if(seq AND TARGET replay_${t})
		list(SORT seq)
		kmm_add_test(NAME replay_${t}_sequence LABELS regression MEMCHECK
			COMMAND $<TARGET_FILE:replay_${t}> ${seq})
	endif()

	if(TARGET ${name} AND KMM_FUZZ_ENGINE STREQUAL "libfuzzer")
		# The real libFuzzer binary, corpus mode, no mutation: every input once.
		kmm_add_input_test(NAME libfuzzer_${t}_corpus LABELS corpus libfuzzer
			COMMAND $<TARGET_FILE:${name}> -runs=0 -rss_limit_mb=4096 -timeout=60
			INPUTS ${dirs})
	elseif(TARGET ${name} AND KMM_FUZZ_ENGINE STREQUAL "afl")
		# libAFLDriver runs the files it is given once each (no afl-fuzz needed).
		set(globs "")
		foreach(d IN LISTS dirs)
			list(APPEND globs "${d}/*")
		endforeach()
		kmm_add_input_test(NAME afl_${t}_corpus LABELS corpus afl
			COMMAND $<TARGET_FILE:${name}> INPUTS ${globs})
	endif()
endforeach()
