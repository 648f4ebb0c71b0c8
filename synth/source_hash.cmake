# Writes OUT, a C++ source defining `logmac::kSynthSourceHash`: a SHA-256 over the sources that turn tool outputs
# into cached numbers (liberty units, netlist reading, the energy model, accuracy, workloads, the models).
# Part of the synthesis cache key, so changing that code invalidates cached results.
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/synth/*.cpp ${ROOT}/synth/*.hpp ${ROOT}/sim/*.cpp ${ROOT}/sim/*.hpp)
list(SORT files)
set(all "")
foreach(f ${files})
  file(SHA256 ${ROOT}/${f} h)
  string(APPEND all "${f} ${h}\n")
endforeach()
string(SHA256 hash "${all}")
set(text "namespace logmac {\nextern const char* const kSynthSourceHash;\nconst char* const kSynthSourceHash = \"${hash}\";\n}\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
