# @include leak_suite_disk.py
# @include _leak_env.py
