file(REMOVE_RECURSE
  "CMakeFiles/sockeye_skel"
  "bpf/sockeye.bpf.o"
  "bpf/sockeye.skel.h"
  "bpf/vmlinux.h"
)

# Per-language clean rules from dependency scanning.
foreach(lang )
  include(CMakeFiles/sockeye_skel.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
