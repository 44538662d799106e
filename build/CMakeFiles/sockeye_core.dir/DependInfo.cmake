
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/capture/features.c" "CMakeFiles/sockeye_core.dir/src/capture/features.c.o" "gcc" "CMakeFiles/sockeye_core.dir/src/capture/features.c.o.d"
  "/work/main/src/capture/probe.c" "CMakeFiles/sockeye_core.dir/src/capture/probe.c.o" "gcc" "CMakeFiles/sockeye_core.dir/src/capture/probe.c.o.d"
  "/work/main/src/export/sender.c" "CMakeFiles/sockeye_core.dir/src/export/sender.c.o" "gcc" "CMakeFiles/sockeye_core.dir/src/export/sender.c.o.d"
  "/work/main/src/worker/worker.c" "CMakeFiles/sockeye_core.dir/src/worker/worker.c.o" "gcc" "CMakeFiles/sockeye_core.dir/src/worker/worker.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/sockeye_pure.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
