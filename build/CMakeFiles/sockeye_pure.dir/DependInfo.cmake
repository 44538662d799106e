
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/agg/window.c" "CMakeFiles/sockeye_pure.dir/src/agg/window.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/agg/window.c.o.d"
  "/work/main/src/capture/counter_names.c" "CMakeFiles/sockeye_pure.dir/src/capture/counter_names.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/capture/counter_names.c.o.d"
  "/work/main/src/config/cli.c" "CMakeFiles/sockeye_pure.dir/src/config/cli.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/config/cli.c.o.d"
  "/work/main/src/config/config.c" "CMakeFiles/sockeye_pure.dir/src/config/config.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/config/config.c.o.d"
  "/work/main/src/conn/stream.c" "CMakeFiles/sockeye_pure.dir/src/conn/stream.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/conn/stream.c.o.d"
  "/work/main/src/conn/table.c" "CMakeFiles/sockeye_pure.dir/src/conn/table.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/conn/table.c.o.d"
  "/work/main/src/export/stdout.c" "CMakeFiles/sockeye_pure.dir/src/export/stdout.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/export/stdout.c.o.d"
  "/work/main/src/util/clock.c" "CMakeFiles/sockeye_pure.dir/src/util/clock.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/util/clock.c.o.d"
  "/work/main/src/util/log.c" "CMakeFiles/sockeye_pure.dir/src/util/log.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/util/log.c.o.d"
  "/work/main/src/worker/cpu.c" "CMakeFiles/sockeye_pure.dir/src/worker/cpu.c.o" "gcc" "CMakeFiles/sockeye_pure.dir/src/worker/cpu.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
