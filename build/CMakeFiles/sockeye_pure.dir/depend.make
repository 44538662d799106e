# Empty dependencies file for sockeye_pure.
# This may be replaced when dependencies are built.
