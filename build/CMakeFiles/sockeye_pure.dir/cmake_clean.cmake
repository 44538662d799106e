file(REMOVE_RECURSE
  "CMakeFiles/sockeye_pure.dir/src/agg/window.c.o"
  "CMakeFiles/sockeye_pure.dir/src/agg/window.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/capture/counter_names.c.o"
  "CMakeFiles/sockeye_pure.dir/src/capture/counter_names.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/config/cli.c.o"
  "CMakeFiles/sockeye_pure.dir/src/config/cli.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/config/config.c.o"
  "CMakeFiles/sockeye_pure.dir/src/config/config.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/conn/stream.c.o"
  "CMakeFiles/sockeye_pure.dir/src/conn/stream.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/conn/table.c.o"
  "CMakeFiles/sockeye_pure.dir/src/conn/table.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/export/stdout.c.o"
  "CMakeFiles/sockeye_pure.dir/src/export/stdout.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/util/clock.c.o"
  "CMakeFiles/sockeye_pure.dir/src/util/clock.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/util/log.c.o"
  "CMakeFiles/sockeye_pure.dir/src/util/log.c.o.d"
  "CMakeFiles/sockeye_pure.dir/src/worker/cpu.c.o"
  "CMakeFiles/sockeye_pure.dir/src/worker/cpu.c.o.d"
  "libsockeye_pure.a"
  "libsockeye_pure.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sockeye_pure.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
