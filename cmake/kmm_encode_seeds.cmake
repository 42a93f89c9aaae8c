# SPDX-License-Identifier: MIT
#
# cmake -DKMM_TOOL=<kmm> -DKIND=<kind> -DSEEDS=<dir> -DOUT=<dir> -P kmm_encode_seeds.cmake
# (KIND: pages, numa, slub, slab, slob or kmalloc_diff, as `kmm encode --kind`)
#
# Test fixture: encode every readable seed (SEEDS/**/*.trace) into a binary
# input under OUT (recreated each run), so the corpus replays exercise the
# binary codec and the real engine binaries on the seeds even when
# corpus/<target>/ has not been filled by `kmm corpus build`. The source tree
# is never written.

cmake_minimum_required(VERSION 3.25)

foreach(v KMM_TOOL KIND SEEDS OUT)
	if(NOT DEFINED ${v})
		message(FATAL_ERROR "kmm_encode_seeds.cmake: -D${v}=... missing")
	endif()
endforeach()

file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
file(GLOB_RECURSE seeds LIST_DIRECTORIES false "${SEEDS}/*.trace")
list(SORT seeds)
set(n 0)
foreach(s IN LISTS seeds)
	file(RELATIVE_PATH rel "${SEEDS}" "${s}")
	string(REPLACE "/" "_" rel "${rel}")
	string(REGEX REPLACE "\\.trace$" ".bin" rel "${rel}")
	execute_process(COMMAND "${KMM_TOOL}" encode --kind "${KIND}" "${s}" -o "${OUT}/${rel}"
		RESULT_VARIABLE rc)
	if(NOT rc STREQUAL "0")
		message(FATAL_ERROR "kmm encode failed on ${s} (exit ${rc})")
	endif()
	math(EXPR n "${n} + 1")
endforeach()
message("encoded ${n} seed(s) from ${SEEDS} into ${OUT}")
