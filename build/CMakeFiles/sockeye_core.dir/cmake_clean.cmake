file(REMOVE_RECURSE
  "CMakeFiles/sockeye_core.dir/src/capture/features.c.o"
  "CMakeFiles/sockeye_core.dir/src/capture/features.c.o.d"
  "CMakeFiles/sockeye_core.dir/src/capture/probe.c.o"
  "CMakeFiles/sockeye_core.dir/src/capture/probe.c.o.d"
  "CMakeFiles/sockeye_core.dir/src/export/sender.c.o"
  "CMakeFiles/sockeye_core.dir/src/export/sender.c.o.d"
  "CMakeFiles/sockeye_core.dir/src/worker/worker.c.o"
  "CMakeFiles/sockeye_core.dir/src/worker/worker.c.o.d"
  "libsockeye_core.a"
  "libsockeye_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sockeye_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
