file(REMOVE_RECURSE
  "libsockeye_core.a"
)
