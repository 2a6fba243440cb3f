#!/bin/sh
# Installed on PATH as `explain` by a test: proves `hfwrap -- explain` runs a program.
echo "i am the explain program: $*"
exit 42
