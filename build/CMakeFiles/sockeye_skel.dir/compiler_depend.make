# Empty custom commands generated dependencies file for sockeye_skel.
# This may be replaced when dependencies are built.
