#!/bin/sh
# A stand-in for `git clone URL DIR` (linked as `git` first on PATH). Appends a line to $FAKE_GIT_COUNTER
# per run, then, by $FAKE_GIT_MODE:
#   bystander  another process makes DIR (a file in it, no .git) while this attempt runs; fails with a 503
#   own        makes DIR/.git and a partial file like git, fails with a 503 on the first run, succeeds after
# A DIR that is already there and not empty is refused as git refuses it.
[ "$1" = clone ] || { echo "fake git: only clone" >&2; exit 2; }
dir="$3"
echo "run $$" >>"$FAKE_GIT_COUNTER"
runs=$(wc -l <"$FAKE_GIT_COUNTER")
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "fatal: destination path '$dir' already exists and is not an empty directory." >&2
    exit 128
fi
echo "Cloning into '$dir'..." >&2
case "$FAKE_GIT_MODE" in
    bystander)
        mkdir -p "$dir" && echo theirs >"$dir/bystander.txt"
        ;;
    own)
        mkdir -p "$dir/.git" && echo partial >"$dir/model.part"
        if [ "$runs" -gt 1 ]; then
            rm "$dir/model.part" && echo '{}' >"$dir/config.json"
            exit 0
        fi
        ;;
esac
echo "fatal: unable to access 'https://huggingface.co/org/m/': The requested URL returned error: 503" >&2
exit 128
