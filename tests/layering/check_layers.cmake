# Proves that the layers' include roots guard the architecture: a file compiled with a layer's
# include directories can include that layer's headers and those below it (a control that
# must compile), and an upward include must fail with "no such file". Run by CTest:
#   cmake -DCXX=... -DLAYER=core -DDIRS="a|b" -DSOURCE=file.cpp -DEXPECT=compile|missing:<header>
#         -P check_layers.cmake
set(flags -std=c++20 -fsyntax-only)
string(REPLACE "|" ";" DIRS "${DIRS}")
foreach(dir IN LISTS DIRS)
  list(APPEND flags "-I${dir}")
endforeach()
execute_process(COMMAND ${CXX} ${flags} ${SOURCE} RESULT_VARIABLE result
                OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(EXPECT STREQUAL "compile")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${SOURCE} should compile with ${LAYER}'s include roots:\n${out}")
  endif()
else()
  string(REPLACE "missing:" "" header "${EXPECT}")
  if(result EQUAL 0)
    message(FATAL_ERROR "${SOURCE} includes ${header}, above ${LAYER}, and still compiled with "
                        "${LAYER}'s include roots: the layers are not guarded")
  endif()
  if(NOT out MATCHES "${header}" OR NOT out MATCHES "(No such file|not found)")
    message(FATAL_ERROR "${SOURCE} failed for another reason than the missing ${header}:\n${out}")
  endif()
  message(STATUS "${LAYER} cannot include ${header}: refused as it should be")
endif()
