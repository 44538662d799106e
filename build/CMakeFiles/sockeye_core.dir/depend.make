# Empty dependencies file for sockeye_core.
# This may be replaced when dependencies are built.
