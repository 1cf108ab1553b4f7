#!/bin/bash
# Grade the reference notebooks of 02 and 03 at an older commit and at this checkout, side by
# side, alternating, ROUNDS times each, and print one line per grading (issue 13, point 6).
#
#   bash scripts/side_by_side_cost.sh [BEFORE_COMMIT] [ROUNDS]
#
# The older commit is checked out in /tmp/side-by-side/before with a copy of this checkout's
# .venv whose course path points there, so each side's kernel runs its own grader.
set -euo pipefail
before_commit=${1:-4102cb3}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
work=/tmp/side-by-side
rm -rf "$work" && mkdir -p "$work/nb/before" "$work/nb/after"
git clone -q "$here" "$work/before"
git -C "$work/before" checkout -q "$before_commit"
cp -a "$here/.venv" "$work/before/.venv"
echo "$work/before" > "$(echo "$work"/before/.venv/lib/python3*/site-packages)/concurrency_course.pth"
make_nb='import sys, nbformat
root, a, out = sys.argv[1:4]
sys.path.insert(0, root)
from autograder.course import replace_answers
from autograder.course import solution_answers
nb = nbformat.read(f"{root}/release/{a}/{a}.ipynb", as_version=4)
nbformat.write(replace_answers(nb, solution_answers(a)), out)'
for a in 02_locks 03_synchronization; do
  "$work/before/.venv/bin/python" -c "$make_nb" "$work/before" "$a" "$work/nb/before/$a.ipynb"
  "$here/.venv/bin/python" -c "$make_nb" "$here" "$a" "$work/nb/after/$a.ipynb"
done
echo "round assignment side seconds tests score"
for round in $(seq "$rounds"); do
  for a in 02_locks 03_synchronization; do
    for side in before after; do
      root=$here
      [ "$side" = before ] && root=$work/before
      cd "$root"
      began=$(date +%s.%N)
      out=$("$root/.venv/bin/python" -m autograder grade --assignment "$a" "$work/nb/$side/$a.ipynb" 2>&1)
      ended=$(date +%s.%N)
      tests=$(echo "$out" | grep -cE "^  (PASS|FAIL)" || true)
      score=$(echo "$out" | grep -E "^[a-z_]+ +[0-9.]+ / " | awk '{s+=$2; t+=$4} END {print s"/"t}')
      echo "$round $a $side $(echo "$ended - $began" | bc) $tests $score"
    done
  done
done
