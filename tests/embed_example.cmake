# Installs nnfit from a build tree into a scratch prefix, builds examples/embed against it with
# find_package(nnfit), and runs it: what an embedder does, end to end.
# Usage: cmake -P tests/embed_example.cmake -- <nnfit build dir> <scratch dir>
set(args)
set(seen_separator OFF)
foreach(i RANGE ${CMAKE_ARGC})
  if(seen_separator AND DEFINED CMAKE_ARGV${i})
    list(APPEND args "${CMAKE_ARGV${i}}")
  endif()
  if("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(seen_separator ON)
  endif()
endforeach()
list(GET args 0 build_dir)
list(GET args 1 scratch)
get_filename_component(source_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGV}")
  endif()
endfunction()

file(REMOVE_RECURSE "${scratch}")
run(${CMAKE_COMMAND} --install "${build_dir}" --prefix "${scratch}/prefix")
run(${CMAKE_COMMAND} -S "${source_dir}/examples/embed" -B "${scratch}/build"
    -DCMAKE_PREFIX_PATH=${scratch}/prefix -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${scratch}/build" -j2)
run("${scratch}/build/embed" "${scratch}/model.safetensors")
execute_process(COMMAND "${scratch}/build/embed_typed" WORKING_DIRECTORY "${scratch}"
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "failed (${result}): embed_typed")
endif()
