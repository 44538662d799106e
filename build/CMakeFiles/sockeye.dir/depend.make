# Empty dependencies file for sockeye.
# This may be replaced when dependencies are built.
