file(REMOVE_RECURSE
  "libsockeye_pure.a"
)
