#!/bin/sh
# usage: exit_with.sh CODE — prints a line on each stream, then exits with CODE.
echo "stdout before exit $1"
echo "stderr before exit $1" >&2
exit "$1"
