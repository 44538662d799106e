file(REMOVE_RECURSE
  "CMakeFiles/sockeye.dir/src/main.c.o"
  "CMakeFiles/sockeye.dir/src/main.c.o.d"
  "sockeye"
  "sockeye.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sockeye.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
